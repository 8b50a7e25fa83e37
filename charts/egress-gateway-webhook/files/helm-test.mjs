// `helm test`: a server-side dry-run create of an invalid object through the API server, which must come back
// refused by this webhook with the expected field error (in warn mode: created, with a "would be denied"
// warning). Plain node, no dependencies: it runs in the webhook's own image.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

const testCase = JSON.parse(readFileSync(new URL('./case.json', import.meta.url), 'utf8'));
const saDir = process.env.SA_DIR ?? '/var/run/secrets/kubernetes.io/serviceaccount';
const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
const server = process.env.API_SERVER ?? `https://${host.includes(':') ? `[${host}]` : host}:${process.env.KUBERNETES_SERVICE_PORT}`;
const warnMode = process.env.ENFORCEMENT === 'warn';

/** The texts of `Warning: 299 - "text with \\" escapes", ...` headers (RFC 7234), as kubectl prints them. */
function warningsOf(header) {
  const texts = [];
  for (const m of [header ?? []].flat().join(', ').matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) texts.push(m[1].replace(/\\(.)/g, '$1'));
  return texts;
}

const body = JSON.stringify(testCase.object);
const url = new URL(`${testCase.path}?dryRun=All&fieldValidation=Strict`, server);
const answer = await new Promise((resolve, reject) => {
  const req = request(
    url,
    {
      method: 'POST',
      ca: readFileSync(`${saDir}/ca.crt`),
      headers: { authorization: `Bearer ${readFileSync(`${saDir}/token`, 'utf8').trim()}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    },
    (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, warnings: warningsOf(res.headers.warning), text }));
    },
  );
  req.on('error', reject);
  req.end(body);
});

const message = (() => {
  try {
    return JSON.parse(answer.text).message ?? answer.text;
  } catch {
    return answer.text;
  }
})();
const fail = (why) => {
  console.error(`FAIL: ${why}\nHTTP ${answer.status}\n${message}\n${answer.warnings.map((w) => `Warning: ${w}`).join('\n')}`);
  process.exit(1);
};
if (warnMode) {
  if (answer.status !== 201) fail('warn mode: the dry-run create should pass');
  const warning = answer.warnings.find((w) => w.startsWith(`would be denied: ${testCase.expect}`));
  if (!warning) fail(`warn mode: expected the warning "would be denied: ${testCase.expect}..."`);
  console.log(`ok: the webhook answered with the warning: ${warning}`);
} else {
  if (answer.status !== 422 || !message.includes('denied the request') || !message.includes(testCase.expect)) fail(`expected a denial by the webhook with "${testCase.expect}"`);
  console.log(`ok: the webhook refused the invalid object: ${message}`);
}
