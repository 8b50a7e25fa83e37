// The CiliumEgressGatewayPolicy CRD of the Cilium that Deckhouse bundles (1.17; Deckhouse ships it as
// modules/021-cni-cilium/crds/cilium/ciliumegressgatewaypolicies.yaml), restated from its facts: what the render
// check validates against when the cluster's own CRD is not known (no cluster, no permission, not in the state
// dump), and what the end-to-end suite installs. Descriptions are left out; the three selector bodies, which
// Cilium validates itself, are kept open (x-kubernetes-preserve-unknown-fields) instead of restating LabelSelector.

/** Cilium's IPv4 CIDR pattern of that release: dotted quad 0-255, a prefix 0-32. IPv6 CIDRs do not match. */
const ipv4CIDRPattern =
  '^(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\/([0-9]|[1-2][0-9]|3[0-2])$';
/** Label values: at most 63, alphanumeric at both ends. */
const labelValuePattern = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';

const openSelector = { type: 'object', 'x-kubernetes-map-type': 'atomic', 'x-kubernetes-preserve-unknown-fields': true };

export const bundledCiliumVersion = '1.17';

export const bundledCiliumPolicyCRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'ciliumegressgatewaypolicies.cilium.io', labels: { module: 'cni-cilium' } },
  spec: {
    group: 'cilium.io',
    scope: 'Cluster',
    names: {
      kind: 'CiliumEgressGatewayPolicy',
      listKind: 'CiliumEgressGatewayPolicyList',
      plural: 'ciliumegressgatewaypolicies',
      singular: 'ciliumegressgatewaypolicy',
      shortNames: ['cegp'],
      categories: ['cilium', 'ciliumpolicy'],
    },
    versions: [
      {
        name: 'v2',
        served: true,
        storage: true,
        subresources: {},
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['metadata'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['destinationCIDRs', 'egressGateway', 'selectors'],
                properties: {
                  destinationCIDRs: { type: 'array', items: { type: 'string', pattern: ipv4CIDRPattern } },
                  excludedCIDRs: { type: 'array', items: { type: 'string', pattern: ipv4CIDRPattern } },
                  egressGateway: {
                    type: 'object',
                    required: ['nodeSelector'],
                    properties: {
                      egressIP: { type: 'string', format: 'ipv4' },
                      interface: { type: 'string' },
                      nodeSelector: {
                        type: 'object',
                        'x-kubernetes-map-type': 'atomic',
                        properties: {
                          matchExpressions: {
                            type: 'array',
                            'x-kubernetes-list-type': 'atomic',
                            items: {
                              type: 'object',
                              required: ['key', 'operator'],
                              properties: {
                                key: { type: 'string' },
                                operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
                                values: { type: 'array', 'x-kubernetes-list-type': 'atomic', items: { type: 'string' } },
                              },
                            },
                          },
                          matchLabels: {
                            type: 'object',
                            additionalProperties: { type: 'string', maxLength: 63, pattern: labelValuePattern },
                          },
                        },
                      },
                    },
                  },
                  selectors: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { namespaceSelector: openSelector, nodeSelector: openSelector, podSelector: openSelector },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};
