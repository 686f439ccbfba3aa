/** The memory store's rate quotas stay bounded: keys whose events all expired are forgotten. */
import assert from 'node:assert/strict';
import { QuotaLog } from '../../src/store/quota-log';

describe('QuotaLog', () => {
  it('forgets keys once their window has passed, each window on its own clock', () => {
    const log = new QuotaLog();
    const now = 1_700_000_000_000;
    // An hour-long cap per recipient beside a minute-long cap per prefix, 10 000 recipients.
    for (let i = 0; i < 10_000; i++) {
      const caps = [
        { key: `recipient:${i}`, windowMs: 3_600_000, max: 20 },
        { key: `prefix:${i % 50}`, windowMs: 60_000, max: 1000 },
      ];
      assert.equal(log.take(caps, now + i, `t${i}`).taken, true);
    }
    assert.equal(log.size, 10_050);
    // Two minutes on: the prefixes' minute is over (though the hour-long keys before them live on).
    log.take([{ key: 'recipient:new', windowMs: 3_600_000, max: 20 }], now + 120_000, 'late');
    assert.equal(log.size, 10_001);
    // Past the hour: only the newest key is left.
    log.take([{ key: 'recipient:newest', windowMs: 3_600_000, max: 20 }], now + 3_700_000, 'later');
    assert.equal(log.size, 2);
  });
});
