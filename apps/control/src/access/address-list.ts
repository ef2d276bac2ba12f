import { BlockList, isIP } from 'node:net';

/**
 * A set of IPs and CIDR ranges (from config, already validated there). IPv4-mapped IPv6
 * addresses (`::ffff:10.0.0.2`, how a dual-stack socket reports a v4 peer) match their v4 entry.
 */
export class AddressList {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(items: readonly string[]) {
    for (const item of items) {
      const [ip = '', bits] = item.split('/');
      const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(ip, type);
      else this.list.addSubnet(ip, Number(bits), type);
    }
    this.empty = items.length === 0;
  }

  has(address: string | undefined): boolean {
    if (!address || this.empty) return false;
    const v4 = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(v4);
    if (!family) return false;
    return this.list.check(v4, family === 6 ? 'ipv6' : 'ipv4');
  }
}
