// Shorter sessions for shared devices and privileged users: an 8-hour absolute and 30-minute
// idle lifetime for admins, a browser-session cookie on kiosks (client metadata), and refresh
// tokens that expire with the session. Times are milliseconds since the epoch.
const HOUR = 60 * 60 * 1000;

exports.onExecutePostLogin = async (event, api) => {
  const now = Date.now();
  const roles = event.authorization.roles || [];
  if (roles.includes('admin')) {
    api.session.setExpiresAt(now + 8 * HOUR);
    api.session.setIdleExpiresAt(now + HOUR / 2);
    if (event.refresh_token) api.refreshToken.setExpiresAt(now + 8 * HOUR);
  }
  if (event.client.metadata.device_type === 'kiosk') {
    api.session.setCookieMode('non-persistent');
    api.session.setMetadata('kiosk', event.client.metadata.kiosk_id || 'unknown');
  }
};
