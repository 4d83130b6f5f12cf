// Support impersonation with an audit trail: a support agent (the actor, signed in with an
// Auth0 ID token as actor_token) exchanges a signed support ticket (the subject token) for a
// token acting as the customer. The ticket is `base64url(JSON).base64url(HMAC-SHA256)`.
const crypto = require('crypto');

function readTicket(token, secret) {
  const [body, sig] = String(token).split('.');
  if (!body || !sig) return null;
  const expected = crypto.createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  const ticket = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  return ticket.exp * 1000 > Date.now() ? ticket : null;
}

exports.onExecuteCustomTokenExchange = async (event, api) => {
  const agent = event.transaction.actor_token_user;
  if (!agent || (agent.app_metadata || {}).role !== 'support') {
    api.access.deny('unauthorized_actor', 'Only support agents may impersonate customers.');
    return;
  }
  const ticket = readTicket(event.transaction.subject_token, event.secrets.TICKET_SECRET);
  if (!ticket) {
    api.access.rejectInvalidSubjectToken('support ticket invalid or expired');
    return;
  }
  api.authentication.setActor({ sub: agent.user_id, ticket: ticket.ticket, email: agent.email });
  api.authentication.setOrganization(ticket.org);
  api.authentication.setUserById(ticket.target);
};
