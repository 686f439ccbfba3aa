/**
 * `npm start` until the Node-RED nodes land: a gateway in memory with two loopback
 * transports and a route table, sending a handful of sample messages to show what smsgate does
 * with each: verify the number, find its network, pick the encoding and the route, and follow
 * the delivery report.
 */
import { Gateway } from '../gateway/gateway';
import { isSmsGateError } from '../errors';
import { MemoryStore } from '../store/memory';
import { LoopbackTransport } from '../transport/loopback';

const SAMPLES: { to: string; text: string; smart?: boolean }[] = [
  { to: '+447400123456', text: 'Your parcel arrives today between 10:00 and 12:00.' },
  { to: '07400 123456', text: 'Code {1234} – valid 5 min, “don’t share it”', smart: true },
  { to: '+33612345678', text: 'Привет! Ваш заказ готов.' },
  { to: '+905321234567', text: 'Şifreniz: 4821. Lütfen kimseyle paylaşmayın, güvenliğiniz için önemlidir. İyi günler dileriz, görüşmek üzere! Bu mesaj otomatik olarak gönderilmiştir, yanıtlamayınız.' },
  { to: '+8613912345678', text: '您的验证码是 4821 👍' },
  { to: '+449098790000', text: 'You won! Call now.' },
  { to: '+44 12', text: 'too short' },
];

async function demo(): Promise<void> {
  const gateway = new Gateway({
    store: new MemoryStore(),
    transports: [
      new LoopbackTransport({ id: 'uk-smsc', dlrDelayMs: 200 }),
      new LoopbackTransport({ id: 'intl-smsc', dlrDelayMs: 400 }),
    ],
    routes: [
      { match: { country: ['GB'] }, transports: ['uk-smsc', 'intl-smsc'] },
      { match: { country: ['TR'] }, transports: ['intl-smsc'], nationalLanguages: ['turkish'] },
      { transports: ['intl-smsc'] },
    ],
    defaults: { region: 'GB', from: 'SMSGATE' },
  });
  await gateway.start();
  console.log('smsgate demo: a gateway with two loopback SMSCs (uk-smsc, intl-smsc), routing by country\n');
  try {
    for (const sample of SAMPLES) {
      console.log(`→ ${sample.to}: "${sample.text}"`);
      try {
        const accepted = await gateway.send(sample);
        const r = accepted.recipient;
        console.log(`  number   ${r.e164}  country ${r.country ?? '-'}  type ${r.type ?? '-'}  carrier ${r.carrier ?? '-'}`);
        console.log(`  encoding ${accepted.encoding}${accepted.nationalLanguages.length ? ` (may use ${accepted.nationalLanguages.join(', ')} shift tables)` : ''}, ${accepted.segments} segment(s)`);
        if (accepted.state === 'REJECTED') {
          console.log(`  REJECTED ${accepted.error?.code}: ${accepted.error?.message}\n`);
          continue;
        }
        console.log(`  route    ${accepted.transports.join(' → ')}`);
        const done = await gateway.waitFor(accepted.id, 'final', 5000);
        console.log(`  state    ${done.state} via ${done.transportId}, provider ids ${done.providerIds.join(', ')}\n`);
      } catch (err) {
        if (!isSmsGateError(err)) throw err;
        console.log(`  refused  ${err.code} (field ${err.field}): ${err.message}\n`);
      }
    }
    console.log('Try the CLI yourself: node dist/cli/main.js lookup +447400123456 --json');
    console.log('                     node dist/cli/main.js encode "Hello €" --json');
  } finally {
    await gateway.stop();
  }
}

void demo().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
