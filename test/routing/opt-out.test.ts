import assert from 'node:assert/strict';
import { optOutKeyword } from '../../src/routing/opt-out';

describe('optOutKeyword', () => {
  for (const text of ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE']) {
    it(`reads ${text} as STOP`, () => assert.equal(optOutKeyword(text), 'STOP'));
  }

  it('ignores case, surrounding spaces and a trailing full stop or exclamation mark', () => {
    for (const text of ['stop', ' Stop ', 'STOP.', 'stop!!', '\tUnsubscribe\n', 'Stop all', 'opt-out', 'Opt Out']) {
      assert.equal(optOutKeyword(text), 'STOP', JSON.stringify(text));
    }
  });

  it('reads START and UNSTOP as START', () => {
    for (const text of ['START', 'start', ' Unstop. ']) assert.equal(optOutKeyword(text), 'START', text);
  });

  it('does not read YES as consent', () => {
    assert.equal(optOutKeyword('YES'), null);
    assert.equal(optOutKeyword('yes'), null);
  });

  it('needs the keyword alone: words inside a sentence or misspelt do not count', () => {
    for (const text of ['please stop', 'STOP sending me these', "don't stop", 'STOPP', 'ST0P', '', '   ', 'the end']) {
      assert.equal(optOutKeyword(text), null, JSON.stringify(text));
    }
  });
});
