/**
 * @generated SignedSource<<79c1f32d2203a7a0f2ad7ec5eb6a16e7>>
 * @relayHash 449153bf1f497b40d272a0b580d96a68
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

// @relayRequestID 3429d197afc86257964adcec1814a2d203f2eb702673b3e4bbe9c4de8e9540e9

import type { ConcreteRequest } from 'relay-runtime';
export type UpdateImageInput = {
  architectureId?: string | null | undefined;
  computeResourceId?: string | null | undefined;
  iamRole?: string | null | undefined;
  id: string;
  name?: string | null | undefined;
  operatingSystemId?: string | null | undefined;
  password?: string | null | undefined;
  userData?: boolean | null | undefined;
  username?: string | null | undefined;
  uuid?: string | null | undefined;
};
export type documentsUpdateImageMutation$variables = {
  input: UpdateImageInput;
};
export type documentsUpdateImageMutation$data = {
  readonly updateImage: {
    readonly errors: ReadonlyArray<{
      readonly __typename: string;
      readonly message: string;
      readonly path?: ReadonlyArray<string> | null | undefined;
    }>;
    readonly image: {
      readonly computeResource: {
        readonly foremanId: number;
        readonly id: string;
        readonly name: string;
      } | null | undefined;
      readonly id: string;
      readonly name: string;
    } | null | undefined;
  } | null | undefined;
};
export type documentsUpdateImageMutation = {
  response: documentsUpdateImageMutation$data;
  variables: documentsUpdateImageMutation$variables;
};

const node: ConcreteRequest = (function(){
var v0 = [
  {
    "defaultValue": null,
    "kind": "LocalArgument",
    "name": "input"
  }
],
v1 = [
  {
    "kind": "Variable",
    "name": "input",
    "variableName": "input"
  }
],
v2 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "id",
  "storageKey": null
},
v3 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "name",
  "storageKey": null
},
v4 = {
  "alias": null,
  "args": null,
  "concreteType": "Image",
  "kind": "LinkedField",
  "name": "image",
  "plural": false,
  "selections": [
    (v2/*:: as any*/),
    (v3/*:: as any*/),
    {
      "alias": null,
      "args": null,
      "concreteType": "ComputeResource",
      "kind": "LinkedField",
      "name": "computeResource",
      "plural": false,
      "selections": [
        (v2/*:: as any*/),
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "foremanId",
          "storageKey": null
        },
        (v3/*:: as any*/)
      ],
      "storageKey": null
    }
  ],
  "storageKey": null
},
v5 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "__typename",
  "storageKey": null
},
v6 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "message",
  "storageKey": null
},
v7 = {
  "kind": "InlineFragment",
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "path",
      "storageKey": null
    }
  ],
  "type": "InputValidationError",
  "abstractKey": null
};
return {
  "fragment": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Fragment",
    "metadata": null,
    "name": "documentsUpdateImageMutation",
    "selections": [
      {
        "alias": null,
        "args": (v1/*:: as any*/),
        "concreteType": "UpdateImagePayload",
        "kind": "LinkedField",
        "name": "updateImage",
        "plural": false,
        "selections": [
          (v4/*:: as any*/),
          {
            "alias": null,
            "args": null,
            "concreteType": null,
            "kind": "LinkedField",
            "name": "errors",
            "plural": true,
            "selections": [
              (v5/*:: as any*/),
              (v6/*:: as any*/),
              (v7/*:: as any*/)
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
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Operation",
    "name": "documentsUpdateImageMutation",
    "selections": [
      {
        "alias": null,
        "args": (v1/*:: as any*/),
        "concreteType": "UpdateImagePayload",
        "kind": "LinkedField",
        "name": "updateImage",
        "plural": false,
        "selections": [
          (v4/*:: as any*/),
          {
            "alias": null,
            "args": null,
            "concreteType": null,
            "kind": "LinkedField",
            "name": "errors",
            "plural": true,
            "selections": [
              (v5/*:: as any*/),
              (v6/*:: as any*/),
              (v7/*:: as any*/),
              {
                "kind": "InlineFragment",
                "selections": [
                  (v2/*:: as any*/)
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
    "cacheID": "449153bf1f497b40d272a0b580d96a68",
    "id": "3429d197afc86257964adcec1814a2d203f2eb702673b3e4bbe9c4de8e9540e9",
    "metadata": {},
    "name": "documentsUpdateImageMutation",
    "operationKind": "mutation",
    "text": "mutation documentsUpdateImageMutation(\n  $input: UpdateImageInput!\n) {\n  updateImage(input: $input) {\n    image {\n      id\n      name\n      computeResource {\n        id\n        foremanId\n        name\n      }\n    }\n    errors {\n      __typename\n      message\n      ... on InputValidationError {\n        path\n      }\n      ... on NotFoundError {\n        id\n      }\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "f564804b40d1f358140668ee468a6a2d";

export default node;
