import { AdmissionSigner } from './admission-token';

describe('AdmissionSigner', () => {
  const signer = new AdmissionSigner('k'.repeat(32));
  const admission = { eventId: 42, reference: 'q_42_AAAAAAAAAAAAAAAAAAAAAA', nonce: 'a1b2-3', validUntil: 1_767_225_600_000 };

  it('verifies its own token for the same customer', () => {
    expect(signer.verify(signer.sign(admission, 'ada@example.com'), 'ada@example.com')).toEqual(admission);
  });

  it('refuses another customer, an altered field, another key, and garbage', () => {
    const token = signer.sign(admission, 'ada@example.com');
    expect(signer.verify(token, 'bob@example.com')).toBeNull();
    expect(signer.verify(token.replace('.42.', '.43.'), 'ada@example.com')).toBeNull();
    expect(signer.verify(token.replace('1767225600000', '1767225699999'), 'ada@example.com')).toBeNull();
    expect(new AdmissionSigner('x'.repeat(32)).verify(token, 'ada@example.com')).toBeNull();
    expect(signer.verify('wr1.1.2.3', 'ada@example.com')).toBeNull();
    expect(signer.verify('', 'ada@example.com')).toBeNull();
  });
});
