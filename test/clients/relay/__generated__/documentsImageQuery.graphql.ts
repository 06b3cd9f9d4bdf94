/**
 * @generated SignedSource<<622dd9bf3f3b8f52a254a4ce2f27f273>>
 * @relayHash 59a8f634f82ee0f51b8edd1ffb96d53b
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

// @relayRequestID 346c251119935c30944bd7b702f10552cf0eb113939d33330011f5c7ca7be00f

import type { ConcreteRequest } from 'relay-runtime';
export type documentsImageQuery$variables = {
  id: string;
};
export type documentsImageQuery$data = {
  readonly image: {
    readonly computeResource: {
      readonly foremanId: number;
      readonly id: string;
      readonly name: string;
    } | null | undefined;
    readonly foremanId: number;
    readonly id: string;
    readonly name: string;
  } | null | undefined;
};
export type documentsImageQuery = {
  response: documentsImageQuery$data;
  variables: documentsImageQuery$variables;
};

const node: ConcreteRequest = (function(){
var v0 = [
  {
    "defaultValue": null,
    "kind": "LocalArgument",
    "name": "id"
  }
],
v1 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "id",
  "storageKey": null
},
v2 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "foremanId",
  "storageKey": null
},
v3 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "name",
  "storageKey": null
},
v4 = [
  {
    "alias": null,
    "args": [
      {
        "kind": "Variable",
        "name": "id",
        "variableName": "id"
      }
    ],
    "concreteType": "Image",
    "kind": "LinkedField",
    "name": "image",
    "plural": false,
    "selections": [
      (v1/*:: as any*/),
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
          (v1/*:: as any*/),
          (v2/*:: as any*/),
          (v3/*:: as any*/)
        ],
        "storageKey": null
      }
    ],
    "storageKey": null
  }
];
return {
  "fragment": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Fragment",
    "metadata": null,
    "name": "documentsImageQuery",
    "selections": (v4/*:: as any*/),
    "type": "Query",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Operation",
    "name": "documentsImageQuery",
    "selections": (v4/*:: as any*/)
  },
  "params": {
    "cacheID": "59a8f634f82ee0f51b8edd1ffb96d53b",
    "id": "346c251119935c30944bd7b702f10552cf0eb113939d33330011f5c7ca7be00f",
    "metadata": {},
    "name": "documentsImageQuery",
    "operationKind": "query",
    "text": "query documentsImageQuery(\n  $id: ID!\n) {\n  image(id: $id) {\n    id\n    foremanId\n    name\n    computeResource {\n      id\n      foremanId\n      name\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "b8a82f1f7df6d40ec525e25023f53fc7";

export default node;
