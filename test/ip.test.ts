import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import { cidrContains, parseCIDR, parseIP } from '../src/rules/ip.js';

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
    assert.deepEqual([cidr('10.0.0.1/8').canonical, cidr('10.0.0.1/8').hostBits], ['10.0.0.0/8', true]);
    assert.deepEqual([cidr('10.0.0.0/8').canonical, cidr('10.0.0.0/8').hostBits], ['10.0.0.0/8', false]);
    assert.equal(cidr('2001:db8::1/128').hostBits, false);
    assert.equal(cidr('0.0.0.0/0').canonical, '0.0.0.0/0');
  });
  it('tells a bare address, a bad prefix and junk apart', () => {
    assert.equal(parseCIDR('10.1.2.3').kind, 'address');
    for (const p of ['10.0.0.0/33', '10.0.0.0/08', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/+8', '10.0.0.0//8', '::/129']) assert.equal(parseCIDR(p).kind, 'bad-prefix', p);
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
