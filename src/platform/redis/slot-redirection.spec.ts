import { isSlotRedirection } from './slot-redirection';

const replyError = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

describe('isSlotRedirection', () => {
  it('recognises MOVED and ASK, bare or queued inside MULTI (EXECABORT)', () => {
    expect(isSlotRedirection(replyError('MOVED 7365 127.0.0.1:30002'))).toBe(true);
    expect(isSlotRedirection(replyError('ASK 7365 127.0.0.1:30002'))).toBe(true);
    const aborted = Object.assign(replyError('EXECABORT Transaction discarded because of previous errors.'), {
      previousErrors: [replyError('MOVED 7365 127.0.0.1:30002')],
    });
    expect(isSlotRedirection(aborted)).toBe(true);
  });

  it('leaves every other error alone', () => {
    expect(isSlotRedirection(replyError('CLUSTERDOWN The cluster is down'))).toBe(false);
    expect(isSlotRedirection(replyError('ERR unknown command ASKING'))).toBe(false);
    expect(isSlotRedirection(new Error('Connection is closed.'))).toBe(false);
    expect(isSlotRedirection('MOVED 1 a:1')).toBe(false);
  });
});
