import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Address6 } from 'ip-address';
import { cidrContains, cidrText, formatIP, parseCIDR, parseIP } from '../src/rules/ip.js';

const cidr = (t: string) => {
  const p = parseCIDR(t);
  assert.equal(p.kind, 'cidr', t);
  return (p as { kind: 'cidr'; cidr: any }).cidr;
};

describe('strict IP parsing', () => {
  it('accepts what Go accepts and gives the canonical form', () => {
    assert.equal(parseIP('172.18.18.242')?.canonical, '172.18.18.242');
    assert.equal(parseIP('2001:DB8:0:0:0:0:0:1')?.canonical, '2001:db8::1');
    assert.equal(parseIP('::ffff:10.0.0.1')?.family, 6);
  });
  it('refuses leading zeros, zones, prefixes, spaces and junk', () => {
    for (const bad of ['010.0.0.1', '1.2.3', '1.2.3.4.5', '256.1.1.1', 'fe80::1%eth0', '10.0.0.1/32', ' 10.0.0.1', '10.0.0.1 ', '', '::g', '1::2::3', '::ffff:010.0.0.1']) {
      assert.equal(parseIP(bad), undefined, bad);
    }
  });
  it('agrees with node:net on which strings are addresses (zones and leading zeros aside)', () => {
    const samples = ['0.0.0.0', '255.255.255.255', '1.1.1.1', '::', '::1', 'a:b:c:d:e:f:1:2', '1:2:3:4:5:6:7:8:9', ':::', '12345::', 'abcd::ef01', '1.2.3.04'];
    for (const s of samples) assert.equal(parseIP(s) !== undefined, isIP(s) !== 0, s);
  });
});

describe('CIDR parsing', () => {
  it('masks to the network and reports host bits', () => {
    assert.deepEqual([cidrText(cidr('10.0.0.1/8')), cidr('10.0.0.1/8').hostBits], ['10.0.0.0/8', true]);
    assert.deepEqual([cidrText(cidr('10.0.0.0/8')), cidr('10.0.0.0/8').hostBits], ['10.0.0.0/8', false]);
    assert.equal(cidr('2001:db8::1/128').hostBits, false);
    assert.equal(cidrText(cidr('0.0.0.0/0')), '0.0.0.0/0');
  });
  it('tells a bare address, a bad prefix and junk apart', () => {
    assert.equal(parseCIDR('10.1.2.3').kind, 'address');
    // Go's rules for the length: decimal digits only (no sign, space or other script's digits), no leading zero.
    const badPrefixes = [
      ...['10.0.0.0/33', '10.0.0.0/08', '10.0.0.0/00', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/+8', '10.0.0.0/ 8'],
      ...['10.0.0.0/8 ', '10.0.0.0/\u0668', '10.0.0.0/1000', '10.0.0.0//8', '::/129', '::/0128', '::/1000'],
    ];
    for (const p of badPrefixes) assert.equal(parseCIDR(p).kind, 'bad-prefix', p);
    for (const p of ['10.0.0/8', 'x/8', '/8', '10.0.0.1 /8']) assert.equal(parseCIDR(p).kind, 'invalid', p);
  });
  it('containment is by family and prefix', () => {
    assert.ok(cidrContains(cidr('10.0.0.0/8'), cidr('10.1.0.0/16')));
    assert.ok(cidrContains(cidr('10.0.0.0/8'), cidr('10.0.0.0/8')));
    assert.ok(!cidrContains(cidr('10.1.0.0/16'), cidr('10.0.0.0/8')));
    assert.ok(!cidrContains(cidr('0.0.0.0/0'), cidr('::/0')));
    assert.ok(cidrContains(cidr('::/0'), cidr('2001:db8::/32')));
  });
});

describe('IPv6 parsing agrees with the ip-address package', () => {
  // The reference: ip-address's validity (plus Go's refusal of leading zeros in an embedded dotted quad), value
  // and RFC 5952 form.
  const reference = (t: string) => {
    if (!/^[0-9A-Fa-f:.]+$/.test(t) || !t.includes(':') || !Address6.isValid(t)) return undefined;
    const dotted = t.slice(t.lastIndexOf(':') + 1);
    if (dotted.includes('.') && parseIP(dotted)?.family !== 4) return undefined;
    const a = new Address6(t);
    return { value: a.bigInt(), canonical: a.correctForm() };
  };
  const ours = (t: string) => {
    const ip = parseIP(t);
    return ip?.family === 6 ? { value: ip.value, canonical: ip.canonical } : undefined;
  };
  const groups = fc.array(fc.integer({ min: 0, max: 0xffff }).map((g) => (g % 3 === 0 ? 0 : g)), { minLength: 8, maxLength: 8 });

  it('on every way of writing an address: full, padded, upper case, compressed at any zero run, with a dotted tail', () => {
    fc.assert(
      fc.property(groups, fc.boolean(), fc.boolean(), fc.nat(8), fc.boolean(), (g, pad, upper, at, dotted) => {
        let parts = g.map((x) => (pad ? x.toString(16).padStart(4, '0') : x.toString(16)));
        if (upper) parts = parts.map((p) => p.toUpperCase());
        if (dotted) parts = [...parts.slice(0, 6), `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`];
        const full = parts.join(':');
        const texts = [full];
        // "::" in place of every run of zero groups that starts at `at`.
        let end = at;
        while (end < parts.length && /^0+$/.test(parts[end]!)) end++;
        if (end > at) texts.push(`${parts.slice(0, at).join(':')}::${parts.slice(end).join(':')}`);
        for (const t of texts) assert.deepEqual(ours(t), reference(t), t);
        assert.equal(formatIP(6, ours(full)!.value), reference(full)!.canonical);
      }),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary strings of hex digits, colons and dots', () => {
    const text = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.:::'.split('')), maxLength: 45 });
    fc.assert(
      fc.property(text, (t) => assert.deepEqual(ours(t), reference(t), t)),
      { numRuns: 20000 },
    );
  });
});
