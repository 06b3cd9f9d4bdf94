/**
 * @generated SignedSource<<18016b70e05892d13c94dd80053f4983>>
 * @relayHash 61f168b6f7a297b21a4169048a83ef8d
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

// @relayRequestID 44af919bc0da69220c1cf21ad9de432c1f4c1319017fbf60dcd652377e7c3871

import type { ConcreteRequest } from 'relay-runtime';
export type DeleteImageInput = {
  id: string;
};
export type documentsDeleteImageMutation$variables = {
  connections: ReadonlyArray<string>;
  input: DeleteImageInput;
};
export type documentsDeleteImageMutation$data = {
  readonly deleteImage: {
    readonly deletedId: string | null | undefined;
    readonly errors: ReadonlyArray<{
      readonly __typename: string;
      readonly message: string;
    }>;
  } | null | undefined;
};
export type documentsDeleteImageMutation = {
  response: documentsDeleteImageMutation$data;
  variables: documentsDeleteImageMutation$variables;
};

const node: ConcreteRequest = (function(){
var v0 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "connections"
},
v1 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "input"
},
v2 = [
  {
    "kind": "Variable",
    "name": "input",
    "variableName": "input"
  }
],
v3 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "deletedId",
  "storageKey": null
},
v4 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "__typename",
  "storageKey": null
},
v5 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "message",
  "storageKey": null
};
return {
  "fragment": {
    "argumentDefinitions": [
      (v0/*:: as any*/),
      (v1/*:: as any*/)
    ],
    "kind": "Fragment",
    "metadata": null,
    "name": "documentsDeleteImageMutation",
    "selections": [
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "concreteType": "DeleteImagePayload",
        "kind": "LinkedField",
        "name": "deleteImage",
        "plural": false,
        "selections": [
          (v3/*:: as any*/),
          {
            "alias": null,
            "args": null,
            "concreteType": null,
            "kind": "LinkedField",
            "name": "errors",
            "plural": true,
            "selections": [
              (v4/*:: as any*/),
              (v5/*:: as any*/)
            ],
            "storageKey": null
          }
        ],
        "storageKey": null
      }
    ],
    "type": "Mutation",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": [
      (v1/*:: as any*/),
      (v0/*:: as any*/)
    ],
    "kind": "Operation",
    "name": "documentsDeleteImageMutation",
    "selections": [
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "concreteType": "DeleteImagePayload",
        "kind": "LinkedField",
        "name": "deleteImage",
        "plural": false,
        "selections": [
          (v3/*:: as any*/),
          {
            "alias": null,
            "args": null,
            "filters": null,
            "handle": "deleteEdge",
            "key": "",
            "kind": "ScalarHandle",
            "name": "deletedId",
            "handleArgs": [
              {
                "kind": "Variable",
                "name": "connections",
                "variableName": "connections"
              }
            ]
          },
          {
            "alias": null,
            "args": null,
            "concreteType": null,
            "kind": "LinkedField",
            "name": "errors",
            "plural": true,
            "selections": [
              (v4/*:: as any*/),
              (v5/*:: as any*/),
              {
                "kind": "InlineFragment",
                "selections": [
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "id",
                    "storageKey": null
                  }
                ],
                "type": "NotFoundError",
                "abstractKey": null
              }
            ],
            "storageKey": null
          }
        ],
        "storageKey": null
      }
    ]
  },
  "params": {
    "cacheID": "61f168b6f7a297b21a4169048a83ef8d",
    "id": "44af919bc0da69220c1cf21ad9de432c1f4c1319017fbf60dcd652377e7c3871",
    "metadata": {},
    "name": "documentsDeleteImageMutation",
    "operationKind": "mutation",
    "text": "mutation documentsDeleteImageMutation(\n  $input: DeleteImageInput!\n) {\n  deleteImage(input: $input) {\n    deletedId\n    errors {\n      __typename\n      message\n      ... on NotFoundError {\n        id\n      }\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "9bbaf8059b9048497fd3b45069708c47";

export default node;
