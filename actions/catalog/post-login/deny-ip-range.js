// Deny logins from IPv4 ranges on a block list (CIDR notation, comma-separated in a secret),
// e.g. a data-centre range that has been credential-stuffing.
function toInt(ip) {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}
function inRange(ip, cidr) {
  const [base, bits] = cidr.trim().split('/');
  const a = toInt(ip);
  const b = toInt(base);
  if (a === null || b === null) return false;
  const n = Number(bits === undefined ? 32 : bits);
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

exports.onExecutePostLogin = async (event, api) => {
  const ranges = (event.secrets.BLOCKED_CIDRS || '').split(',').filter(Boolean);
  const hit = ranges.find((r) => inRange(event.request.ip, r));
  if (hit) {
    console.log(`login from ${event.request.ip} blocked by ${hit.trim()}`);
    api.access.deny('Access from your network is not allowed.');
  }
};
