import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYAML } from 'yaml';
import { parseManifests } from '../src/cluster/manifests.js';
import { cidrDifference } from '../src/rules/cidr-set.js';
import { FakeApiServer } from './helpers/fake-apiserver.js';
import { fromRoot } from './helpers/paths.js';
import { layerTool } from './helpers/tools.js';

// `explain` as an operator meets it: the CLI and the kubectl plugin run as processes, their exact output, exit
// codes for maintenance scripts, and the same answer from a state file and from an API server.

const fixture = fromRoot('test/fixtures/explain/cluster.yaml');
const cli = fromRoot('dist/src/cli/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const explain = (...args: string[]) => run(process.execPath, [cli, 'explain', ...args]);

describe('destinations minus exclusions (CIDR set difference)', () => {
  it('carves exclusions out of destinations into the fewest CIDRs, per family', () => {
    assert.deepEqual(cidrDifference(['203.0.113.0/24', '198.51.100.0/24'], ['203.0.113.128/25', '10.0.0.0/8']), {
      cidrs: ['198.51.100.0/24', '203.0.113.0/25'],
      more: 0,
      skipped: [],
    });
    assert.deepEqual(cidrDifference(['10.0.0.0/8'], ['10.0.0.0/9']).cidrs, ['10.128.0.0/9']);
    assert.deepEqual(cidrDifference(['10.0.0.0/30'], ['10.0.0.1/32']).cidrs, ['10.0.0.0/32', '10.0.0.2/31']);
    assert.deepEqual(cidrDifference(['2001:db8::/32', '10.0.0.0/8'], ['2001:db8::/33']).cidrs, ['10.0.0.0/8', '2001:db8:8000::/33']);
  });

  it('merges overlapping and adjacent destinations, and a covering exclusion leaves nothing', () => {
    assert.deepEqual(cidrDifference(['10.0.0.0/9', '10.128.0.0/9', '10.1.0.0/16'], []).cidrs, ['10.0.0.0/8']);
    assert.deepEqual(cidrDifference(['10.1.0.0/16'], ['10.0.0.0/8']).cidrs, []);
  });

  it('reads host bits as the network (as Go does), skips what is not a CIDR, and cuts a long answer', () => {
    assert.deepEqual(cidrDifference(['10.0.0.1/8', 'any', 7], []), { cidrs: ['10.0.0.0/8'], more: 0, skipped: ['any', '7'] });
    const cut = cidrDifference(['0.0.0.0/0'], ['0.0.0.1/32'], 4);
    assert.deepEqual(cut.cidrs, ['0.0.0.0/32', '0.0.0.2/31', '0.0.0.4/30', '0.0.0.8/29']);
    assert.equal(cut.more, 28);
  });
});

const officeText = `EgressGateway office
  mode:           PrimaryIPFromEgressGatewayNodeInterface
  source IP:      primary IP of interface eth1 of the active node
  node selector:  dedicated/egress=
  status:         activeNodeName egress-b, readyNodes 2, Ready True (ElectionSucceed)

Nodes the selector matches (4):
  egress-a  eligible      active (predicted)
  egress-b  eligible      standby 1 (predicted)
  egress-c  not eligible  cordoned
  egress-d  not eligible  not Ready

Active node:
  predicted:  egress-a   (sha256 order of "<gateway>#<node>" over the eligible nodes)
  status:     egress-b
  labelled:   egress-b   (egress-gateway.network.deckhouse.io/active-for-office)
  Cilium:     egress-a   (first CiliumNode by name with that label)
  differs:    the status names egress-b, the prediction egress-a: the platform has not re-elected yet, or sees the nodes otherwise
  differs:    Cilium uses egress-a: the first CiliumNode by name with the label, Ready or not (stale CiliumNode labels)
Standby: egress-b

Policies (1):
  office-web, rendered by the platform as:
    apiVersion: cilium.io/v2
    kind: CiliumEgressGatewayPolicy
    metadata:
      name: d8.office-web
      labels:
        heritage: deckhouse
        module: cni-cilium
    spec:
      selectors:
        - podSelector:
            matchLabels:
              app: web
      destinationCIDRs:
        - 0.0.0.0/0
      excludedCIDRs:
        - 10.0.0.0/8
        - 192.168.0.0/16
      egressGateway:
        nodeSelector:
          matchLabels:
            egress-gateway.network.deckhouse.io/active-for-office: ""
        interface: eth1
`;

describe('explain from a cluster state file', () => {
  it('gateway: matched nodes with reasons, predicted active node against status, label and CiliumNodes, rendered policies', async () => {
    const r = await explain('gateway', 'office', '--cluster-state', fixture);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, officeText);
    assert.equal(r.code, 0);
  });

  it('policy: the gateway, the data path destinations, the rendered object; a missing gateway renders nothing', async () => {
    const lab = await explain('policy', 'lab-all', '--cluster-state', fixture, '-o', 'json');
    assert.equal(lab.code, 0);
    const j = JSON.parse(lab.stdout);
    assert.deepEqual([j.gateway, j.gatewayExists, j.active.predicted, j.active.status, j.active.differences], ['lab', true, 'egress-b', 'egress-b', []]);
    assert.deepEqual(j.dataPath, { cidrs: ['198.51.100.0/24', '203.0.113.0/25'], more: 0, skipped: [] });
    assert.deepEqual(j.rendered.spec.egressGateway, { nodeSelector: { matchLabels: { 'egress-gateway.network.deckhouse.io/active-for-lab': '' } }, egressIP: '192.0.2.100' });

    const orphan = await explain('policy', 'orphan', '--cluster-state', fixture);
    assert.equal(
      orphan.stdout,
      `EgressGatewayPolicy orphan
  gateway:  offfice (not found; did you mean office?)
  The platform renders nothing for this policy: its pods leave the cluster from their own nodes.

Destinations as the data path would see them (destinationCIDRs minus excludedCIDRs):
  203.0.113.0/24
`,
    );
  });

  it('node: the gateways it serves or stands by for', async () => {
    const r = await explain('node', 'egress-b', '--cluster-state', fixture);
    assert.equal(
      r.stdout,
      `Node egress-b
  Ready, schedulable, cilium agent Ready, egress-gateway agent Ready

Gateways whose selector matches it (2):
  lab     active (predicted), active in its status     policies: lab-all
  office  standby 1 (predicted), active in its status  policies: office-web
`,
    );
  });

  it('-o yaml says what -o json says', async () => {
    const json = await explain('gateway', 'lab', '--cluster-state', fixture, '-o', 'json');
    const yaml = await explain('gateway', 'lab', '--cluster-state', fixture, '-o', 'yaml');
    assert.deepEqual(parseYAML(yaml.stdout), JSON.parse(json.stdout));
    assert.equal(JSON.parse(json.stdout).standby.length, 0);
  });

  it('what-if: a drain that keeps a standby exits 0; one that takes the last eligible node exits 1 naming the policies', async () => {
    const ok = await explain('node', 'egress-a', '--cluster-state', fixture, '--without-node', 'egress-a');
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /\n {2}office {2}no standby left {2}egress-b takes over from egress-a \(predicted\)\nSafe: no gateway loses egress\.\n$/);

    const bad = await explain('gateway', 'office', '--cluster-state', fixture, '--without-node', 'egress-b', '--without-node', 'egress-a');
    assert.equal(bad.code, 1);
    assert.ok(bad.stdout.startsWith('(as if egress-a, egress-b were drained)\nEgressGateway office\n'), bad.stdout);
    assert.ok(
      bad.stdout.endsWith(`What if egress-a, egress-b are drained:
  lab     loses egress  breaks policies lab-all
  office  loses egress  breaks policies office-web
Not safe: a gateway loses egress (exit code 1).
`),
      bad.stdout,
    );
    const j = JSON.parse((await explain('gateway', 'office', '--cluster-state', fixture, '--without-node', 'egress-b', '-o', 'json')).stdout);
    assert.deepEqual(j.whatIf.gateways, [
      { gateway: 'lab', outcome: 'loses egress', eligibleBefore: ['egress-b'], eligibleAfter: [], activeBefore: 'egress-b', policies: ['lab-all'] },
      { gateway: 'office', outcome: 'no standby left', eligibleBefore: ['egress-a', 'egress-b'], eligibleAfter: ['egress-a'], activeBefore: 'egress-a', activeAfter: 'egress-a', policies: ['office-web'] },
    ]);
    assert.equal(j.whatIf.losesEgress, true);
    assert.deepEqual(
      j.nodes.map((n: { name: string; reasons: string[] }) => [n.name, n.reasons.join(', ')]),
      [['egress-a', ''], ['egress-b', 'drained (what-if)'], ['egress-c', 'cordoned'], ['egress-d', 'not Ready']],
    );
  });

  it('refuses what it cannot answer: exit 2 with one line', async () => {
    const cases: [string[], string][] = [
      [['gateway', 'nope', '--cluster-state', fixture], `error: EgressGateway "nope" not found in ${fixture} (gateways: lab, office)\n`],
      [['gateway', 'office', '--cluster-state', fixture, '--without-node', 'egress-z'], `error: --without-node: no node "egress-z" in ${fixture}`],
      [['pods', 'x', '--cluster-state', fixture], 'error: cannot explain "pods": explain gateway|policy|node NAME; did you mean "node"?\n'],
      [['gw', 'x', '--cluster-state', fixture], 'error: cannot explain "gw": explain gateway|policy|node NAME; did you mean "gateway"?\n'],
      [['xyz', 'x', '--cluster-state', fixture], 'error: cannot explain "xyz": explain gateway|policy|node NAME\n'],
      [['gateway', '--cluster-state', fixture], 'error: give what to explain and its name: explain gateway|policy|node NAME'],
      [['gateway', 'office', '--cluster-state', fixture, '--context', 'x'], 'error: --cluster-state reads a file: leave out --live, --kubeconfig and --context'],
    ];
    for (const [args, message] of cases) {
      const r = await explain(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(r.stderr.startsWith(message), `${args.join(' ')}: ${r.stderr}`);
    }
  });
});

describe('explain against an API server, and as a kubectl plugin', () => {
  const api = new FakeApiServer();
  const dir = mkdtempSync(join(tmpdir(), 'egw-explain-'));
  const kubeconfig = join(dir, 'kubeconfig');

  before(async () => {
    await api.start();
    // The fixture, served as the API server's lists (the client asks per kind, agent pods by label).
    const byPath = new Map<string, unknown[]>();
    const add = (path: string, o: unknown) => byPath.set(path, [...(byPath.get(path) ?? []), o]);
    for (const { object: o } of parseManifests(readFileSync(fixture, 'utf8'))) {
      const kind = o['kind'];
      if (kind === 'Node') add('/api/v1/nodes', o);
      if (kind === 'Pod') {
        const app = (o['metadata'] as { labels: Record<string, string> }).labels['app'];
        add(`/api/v1/namespaces/d8-cni-cilium/pods?labelSelector=${app === 'agent' ? 'app=agent,module=cni-cilium' : 'app=egress-gateway-agent'}`, o);
      }
      if (kind === 'EgressGateway') add('/apis/network.deckhouse.io/v1alpha1/egressgateways', o);
      if (kind === 'EgressGatewayPolicy') add('/apis/network.deckhouse.io/v1alpha1/egressgatewaypolicies', o);
      if (kind === 'CiliumNode') add('/apis/cilium.io/v2/ciliumnodes', o);
    }
    for (const [path, items] of byPath) api.lists.set(path, { items, resourceVersion: '1' });
    // Two contexts: the current one leads nowhere, so only a honoured --context reaches the server.
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
- {name: nowhere, cluster: {server: "http://127.0.0.1:9"}}
- {name: fake, cluster: {server: "${api.url}", insecure-skip-tls-verify: true}}
users:
- {name: u, user: {token: t}}
contexts:
- {name: nowhere, context: {cluster: nowhere, user: u}}
- {name: fake, context: {cluster: fake, user: u}}
current-context: nowhere
`,
    );
  });

  after(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the cluster once per kind and answers as the state file does (--kubeconfig, --context)', async () => {
    const r = await explain('gateway', 'office', '--kubeconfig', kubeconfig, '--context', 'fake');
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, officeText);
    assert.equal(api.watchRequests('/api/v1/nodes').length, 0);
  });

  it('kubectl egress explain: the plugin on PATH, KUBECONFIG from the environment, flags passed through', async () => {
    const plugin = fromRoot('dist/src/cli/kubectl-egress.js');
    // npm makes a bin entry executable on install, but `npm install -g .` links to dist/, which every build rewrites.
    assert.equal(statSync(plugin).mode & 0o111, 0o111, 'the build leaves the plugin executable');
    const pathDir = mkdtempSync(join(dir, 'path-'));
    symlinkSync(plugin, join(pathDir, 'kubectl-egress'));
    const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: [pathDir, dirname(process.execPath), process.env['PATH']].join(delimiter) };
    const r = await run(layerTool('kubectl'), ['egress', 'explain', 'gateway', 'office', '--context', 'fake'], env);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, officeText);
    assert.equal(r.code, 0);
    const list = await run(layerTool('kubectl'), ['plugin', 'list'], env);
    assert.match(list.stdout, /kubectl-egress/);
  });

  it('no kubeconfig, a missing one, or one that is not YAML: one line naming what is missing or which file, exit 1', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const { KUBECONFIG: _, KUBERNETES_SERVICE_HOST: __, ...rest } = process.env;
    const none = await run(process.execPath, [cli, 'explain', 'gateway', 'office'], { ...rest, HOME: home });
    assert.deepEqual(
      [none.code, none.stderr],
      [
        1,
        `error: no cluster to read: not in a pod (KUBERNETES_SERVICE_HOST or the service account token is missing); KUBECONFIG is unset and ${join(home, '.kube', 'config')} does not exist; pass --kubeconfig FILE, or --cluster-state FILE to explain from a dump of one\n`,
      ],
    );
    const missing = await explain('gateway', 'office', '--kubeconfig', join(dir, 'nope'));
    assert.deepEqual([missing.code, missing.stderr], [1, `error: --kubeconfig ${join(dir, 'nope')}: no such file\n`]);
    const broken = join(dir, 'broken-kubeconfig');
    writeFileSync(broken, 'apiVersion: v1\nclusters: [a\n');
    const bad = await explain('gateway', 'office', '--kubeconfig', broken);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, new RegExp(`^error: --kubeconfig ${broken}: [^\\n]+\\n$`));
  });

  it('a cluster that cannot be read is an error (exit 1), never a "safe" answer', async () => {
    const r = await explain('gateway', 'office', '--kubeconfig', kubeconfig, '--without-node', 'egress-a');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: cannot list nodes: /);
  });
});
