/**
 * Just enough of the MySQL client/server protocol for a fault-injecting proxy
 * to recognise a COMMIT on the wire: a packet is a 3-byte little-endian
 * payload length, a 1-byte sequence id, then the payload. A command
 * (COM_QUERY and friends) starts a new exchange, so its sequence id is 0.
 */
export interface MysqlPacket {
  sequenceId: number;
  payload: Buffer;
}

const HEADER_BYTES = 4;
const COM_QUERY = 0x03;
/** "COMMIT" with room for blanks and a semicolon; anything longer is not a bare COMMIT. */
const LONGEST_COMMIT_QUERY = 64;

/**
 * Cuts one direction of a connection into whole packets. TCP delivers bytes,
 * not packets: a packet may arrive split over chunks, or several in one, so
 * the unfinished tail is kept for the next chunk.
 */
export class MysqlPacketReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds a chunk and returns every packet it completed, in order. */
  push(chunk: Buffer): MysqlPacket[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const packets: MysqlPacket[] = [];
    while (this.pending.length >= HEADER_BYTES) {
      const length = this.pending.readUIntLE(0, 3);
      if (this.pending.length < HEADER_BYTES + length) break;
      packets.push({ sequenceId: this.pending[3], payload: this.pending.subarray(HEADER_BYTES, HEADER_BYTES + length) });
      this.pending = this.pending.subarray(HEADER_BYTES + length);
    }
    return packets;
  }
}

/** The start of the SQL of a COM_QUERY (at most `maxBytes`), or null for any other packet. */
export function queryText(packet: MysqlPacket, maxBytes = 200): string | null {
  const { sequenceId, payload } = packet;
  if (sequenceId !== 0 || payload.length < 2 || payload[0] !== COM_QUERY) return null;
  return payload.subarray(1, 1 + maxBytes).toString('utf8');
}

/** A COM_QUERY whose SQL is COMMIT (case-insensitive, surrounding blanks and one trailing `;` allowed). */
export function isCommitQuery(packet: MysqlPacket): boolean {
  if (packet.payload.length > LONGEST_COMMIT_QUERY) return false;
  const sql = queryText(packet)?.trim().replace(/;$/, '').trim();
  return sql?.toUpperCase() === 'COMMIT';
}

/** Builds a client packet, for tests of the reader. */
export function mysqlPacket(sequenceId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequenceId;
  return Buffer.concat([header, payload]);
}

export function comQuery(sql: string): Buffer {
  return mysqlPacket(0, Buffer.concat([Buffer.from([COM_QUERY]), Buffer.from(sql, 'utf8')]));
}
