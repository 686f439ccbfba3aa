/** SegmentOutcomes: how a transport that sends segments apart settles a submit (unit seam). */
import assert from 'node:assert/strict';
import { SmsGateError } from '../../src/errors';
import { PartialSubmitError, SegmentOutcomes } from '../../src/transport/partial-submit';

const temporary = () => new SmsGateError('TRANSPORT_TEMPORARY', 'no submit_sm_resp within 300 ms');

describe('SegmentOutcomes', () => {
  it('resolves with the ids of every segment sent, in order, once all are in', async () => {
    const outcomes = new SegmentOutcomes([1, 2]);
    outcomes.accept(1, 'b');
    outcomes.accept(0, 'a');
    assert.deepEqual(await outcomes.settled, { providerIds: ['a', 'b'] });
  });

  it('waits for every segment, then names the accepted ones by their index in the message', async () => {
    const outcomes = new SegmentOutcomes([0, 1, 2]);
    let settled = false;
    void outcomes.settled.catch(() => (settled = true));
    outcomes.accept(0, 'a');
    outcomes.fail(1, temporary());
    await Promise.resolve();
    assert.equal(settled, false, 'the third segment is still out');
    outcomes.accept(2, 'c');
    const err = await outcomes.settled.then(() => assert.fail('resolved'), (e: unknown) => e);
    assert.ok(err instanceof PartialSubmitError);
    assert.equal(err.code, 'TRANSPORT_TEMPORARY', 'the code of the first failure decides the retry');
    assert.deepEqual(err.accepted, [{ segment: 0, providerId: 'a' }, { segment: 2, providerId: 'c' }]);
  });

  it('counts a segment accepted late while its submit is still out, and not once it has settled', async () => {
    const outcomes = new SegmentOutcomes([0, 1, 2]);
    outcomes.accept(0, 'a');
    outcomes.fail(1, temporary());
    assert.equal(outcomes.acceptLate(1, 'b'), true);
    outcomes.accept(2, 'c');
    assert.deepEqual(await outcomes.settled, { providerIds: ['a', 'b', 'c'] });
    assert.equal(outcomes.acceptLate(1, 'again'), false);
  });

  it('fails whole, with the plain error, when nothing was accepted or what is sent does not map onto segments', async () => {
    const none = new SegmentOutcomes([0, 1]);
    none.fail(0, temporary());
    none.fail(1, temporary());
    assert.equal(await none.settled.catch((e: unknown) => e instanceof PartialSubmitError), false);
    const payload = new SegmentOutcomes([0, 1], false);
    payload.accept(0, 'a');
    payload.fail(1, temporary());
    assert.equal(await payload.settled.catch((e: unknown) => e instanceof PartialSubmitError), false);
  });
});
