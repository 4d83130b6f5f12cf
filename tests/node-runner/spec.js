// The `api` of every Auth0 Actions trigger, as data: one place that both the Node reference
// runner (record.js) and the spec table in docs/actions-api.md (`node spec.js --markdown`) are
// made from.
//
// A member is recorded as a command `{name, args}` exactly as actsim records post-login's today
// (crates/actsim-js/src/js/prelude.js): `name` is the path below `api` (`accessToken.setCustomClaim`),
// `args` the arguments copied when the call is made (JSON copies; `undefined` becomes `null`).
// Parameters without `?` are always recorded (`null` when omitted); a parameter with `?` is
// recorded only when the caller passed something other than `undefined`. `record: false` marks
// members that change nothing (queries, token helpers, api.cache): they are not commands.
'use strict';

const TYPES = 'auth0/auth0-actions';
// Pages of github.com/auth0/docs-v2, published under https://auth0.com/docs/customize/actions/….
const EXPLORE = 'docs-v2 main/docs/customize/actions/explore-triggers';
const REFERENCE = 'docs-v2 main/docs/customize/actions/reference';

// m(path, params, returns, extra): extra may hold effect ('deny' | 'redirect' | 'prompt' |
// 'drop' | 'retry'), record (false), emulated ('yes' | 'partly' | 'planned' | 'no'), note.
// `partly`: the call is checked and recorded, but part of what production then does is not
// simulated; the note says which part and why.
function m(path, params, returns, extra = {}) {
  return { path, params, returns, record: true, emulated: 'yes', effect: null, note: '', ...extra };
}
const yes = { emulated: 'yes' };
// The MFA members: recorded, but no factor is challenged (actsim has no MFA user interface or
// enrolled factors): the user is taken to pass at once, so later Actions run without waiting.
const MFA_PARTLY = 'recorded; the challenge itself is not simulated (no MFA screens or enrolled factors in actsim): the user is taken to pass it at once, so later Actions do not wait';
const PROMPT_NOTE = 'options `{fields?, vars?}`; suspends like a redirect; the continue handler gets `event.prompt = {id, fields, vars}`: the render\'s `fields` with what the user submitted over them (`actsim run --prompt-field`, scenario `[traffic.redirect] prompt_fields`), and its `vars`';
const query = { record: false };

function cache(emulated) {
  const e = { record: false, emulated };
  return [
    m('cache.get', ['key'], 'CacheRecord or undefined', { ...e, note: '`{value, expires_at}` or `undefined`; synchronous' }),
    m('cache.set', ['key', 'value', 'options?'], 'CacheWriteResult', { ...e, note: '`{type:"success", record}` or `{type:"error", code}`; options `{ttl?, expires_at?}` in ms' }),
    m('cache.delete', ['key'], 'CacheDeleteResult', { ...e, note: '`{type:"success"}` or `{type:"error", code}`' }),
  ];
}
// api.notification of the custom email and phone providers.
function notification() {
  return [
    m('notification.drop', ['reason'], 'void', { effect: 'drop', note: 'failed, never retried; only the last drop/retry counts; `actsim run` shows it on the `delivery` line with the reason' }),
    m('notification.retry', ['reason'], 'void', { effect: 'retry', note: 'failed, retried up to 5 times; only the last drop/retry counts; the retries themselves are not simulated (one execution per notification)' }),
  ];
}
function redirectHelpers(emulated) {
  return [
    m('redirect.encodeToken', ['options'], 'string', { ...query, emulated, note: '`{secret, payload, expiresInSeconds = 900}` → HS256 JWT `{iat, iss: request.hostname, sub: user.user_id, exp, ip, ...payload}`' }),
    m('redirect.validateToken', ['options'], 'payload', { ...query, emulated, note: '`{secret, tokenParameterName = "session_token"}`; reads request.query + body (body wins), checks signature, exp, state, sub' }),
  ];
}
const SEND_USER_TO_NOTE = 'records `[url]`, or `[url, {query}]` when `options.query` is given; the execution ends in a redirect; the flow resumes in the continue handler';
const SAML_SETTERS = [
  ['setAudience', 'audience'], ['setRecipient', 'recipient'], ['setCreateUpnClaim', 'createUpnClaim'],
  ['setPassthroughClaimsWithNoMapping', 'passthroughClaimsWithNoMapping'], ['setMapUnknownClaimsAsIs', 'mapUnknownClaimsAsIs'],
  ['setMapIdentities', 'mapIdentities'], ['setSignatureAlgorithm', 'signatureAlgorithm'], ['setDigestAlgorithm', 'digestAlgorithm'],
  ['setDestination', 'destination'], ['setLifetimeInSeconds', 'lifetimeInSeconds'], ['setSignResponse', 'signResponse'],
  ['setNameIdentifierFormat', 'nameIdentifierFormat'], ['setNameIdentifierProbes', 'nameIdentifierProbes'],
  ['setAuthnContextClassRef', 'authnContextClassRef'], ['setSigningCert', 'signingCert'],
  ['setIncludeAttributeNameFormat', 'includeAttributeNameFormat'], ['setTypedAttributes', 'typedAttributes'],
  ['setEncryptionCert', 'encryptionCert'], ['setEncryptionPublicKey', 'encryptionPublicKey'], ['setCert', 'cert'],
  ['setKey', 'key'], ['setRelayState', 'relayState'], ['setIssuer', 'issuer'], ['setEncryptionAlgorithm', 'encryptionAlgorithm'],
];

const TRIGGERS = {
  'post-login': {
    handlers: ['onExecutePostLogin', 'onContinuePostLogin'],
    blocking: true,
    source: `${TYPES} src/post-login/v3/index.d.ts (PostLoginAPI); ${EXPLORE}/signup-and-login-triggers/login-trigger/post-login-api-object.mdx; api.roles: the docs and harness as compiled in the project's runtime reference §2.3`,
    members: [
      m('access.deny', ['reason'], 'api', { ...yes, effect: 'deny' }),
      m('accessToken.setCustomClaim', ['key', 'value'], 'api', { ...yes, note: 'the name must be a non-empty string' }),
      m('accessToken.addScope', ['scope'], 'void', yes),
      m('accessToken.removeScope', ['scope'], 'void', yes),
      m('authentication.challengeWith', ['factor', 'options?'], 'void', { emulated: 'partly', note: `factor \`{type, options?}\`; options \`{additionalFactors?}\`; ${MFA_PARTLY}` }),
      m('authentication.challengeWithAny', ['factors'], 'void', { emulated: 'partly', note: MFA_PARTLY }),
      m('authentication.enrollWith', ['factor', 'options?'], 'void', { emulated: 'partly', note: MFA_PARTLY }),
      m('authentication.enrollWithAny', ['factors'], 'void', { emulated: 'partly', note: MFA_PARTLY }),
      m('authentication.recordMethod', ['provider_url'], 'api', { note: 'only in onContinuePostLogin (throws in onExecutePostLogin)' }),
      m('authentication.setPrimaryUser', ['primary_user_id'], 'void', { note: 'at most once per transaction: a second call throws "The primary user can only be altered once per transaction"' }),
      ...cache('yes'),
      m('groups.getUserGroups', ['params?'], 'Promise<{groups, next?}>', { ...query, note: 'params `{take?, from?}`; in the typings, not on the docs page; actsim answers `{groups: []}` (a user in no group)' }),
      m('groups.hasGroupMembership', ['groups'], 'Promise<{memberships, errors?}>', { ...query, note: 'in the typings, not on the docs page; actsim answers `is_member: false` for each group' }),
      m('idToken.setCustomClaim', ['key', 'value'], 'api', { ...yes, note: 'the name must be a non-empty string' }),
      m('multifactor.enable', ['provider', 'options?'], 'api', { ...yes, note: 'provider `none`/`guardian`/`google-authenticator`/`duo`/`any`; options `{allowRememberBrowser?, providerOptions?}`' }),
      m('prompt.render', ['promptId', 'promptOptions?'], 'void', { effect: 'prompt', note: `${PROMPT_NOTE}; not with sendUserTo in the same Action` }),
      m('redirect.canRedirect', [], 'boolean', { ...query, note: 'deprecated (typings only); false for `prompt=none` and non-interactive protocols' }),
      ...redirectHelpers('yes'),
      m('redirect.sendUserTo', ['url', 'options?'], 'api', { ...yes, effect: 'redirect', note: SEND_USER_TO_NOTE }),
      m('refreshToken.revoke', ['reason'], 'void', { effect: 'deny', note: 'Enterprise; only when `transaction.protocol === "oauth2-refresh-token"`' }),
      m('refreshToken.setExpiresAt', ['absolute'], 'void', { note: 'ms since epoch; the earliest of several calls wins' }),
      m('refreshToken.setIdleExpiresAt', ['inactivity'], 'void'),
      m('refreshToken.setMetadata', ['key', 'value'], 'void', { note: 'value string or null (deletes)' }),
      m('refreshToken.deleteMetadata', ['key'], 'void'),
      m('refreshToken.evictMetadata', [], 'void'),
      m('roles.getUserEffectiveRoles', ['params?'], 'Promise', { ...query, note: 'from Auth0\'s test harness and a docs revision (project runtime reference §2.3); neither in the typings nor on the docs page read (validated 2026-04-28); result shape UNCONFIRMED; actsim answers `{roles: []}`' }),
      m('roles.getUserEffectiveRolesByIds', ['ids'], 'Promise', { ...query, note: 'as above' }),
      m('roles.getUserEffectiveRolesByNames', ['names'], 'Promise', { ...query, note: 'as above' }),
      m('rules.wasExecuted', ['ruleId'], 'boolean', { ...query, note: 'actsim runs no Rules: always `false`' }),
      m('samlResponse.setAttribute', ['attribute', 'value'], 'void', { note: '`null`/`undefined` removes the attribute' }),
      ...SAML_SETTERS.map(([name, param]) => m(`samlResponse.${name}`, [param], 'void')),
      m('session.revoke', ['reason', 'options?'], 'void', { effect: 'deny', note: 'options `{preserveRefreshTokens?}`' }),
      m('session.setExpiresAt', ['absolute'], 'void', { note: 'ms since epoch; the earliest of several calls wins' }),
      m('session.setIdleExpiresAt', ['inactivity'], 'void'),
      m('session.setCookieMode', ['mode'], 'void', { note: '`persistent` or `non-persistent`; the last call wins' }),
      m('session.setMetadata', ['key', 'value'], 'void'),
      m('session.deleteMetadata', ['key'], 'void'),
      m('session.evictMetadata', [], 'void'),
      m('transaction.setMetadata', ['key', 'value'], 'api', { ...yes, note: 'value string/number/boolean/null; updates `event.transaction.metadata` at once' }),
      m('user.setAppMetadata', ['key', 'value'], 'api', yes),
      m('user.setUserMetadata', ['key', 'value'], 'api', yes),
      m('validation.error', ['errorCode', 'errorMessage'], 'api', { ...yes, effect: 'deny' }),
    ],
  },
  'credentials-exchange': {
    handlers: ['onExecuteCredentialsExchange'],
    blocking: true,
    source: `${TYPES} src/credentials-exchange/v2/index.d.ts; ${EXPLORE}/machine-to-machine-trigger/credentials-exchange-api-object.mdx`,
    members: [
      m('access.deny', ['code', 'reason'], 'api', { ...yes, effect: 'deny', note: 'code `invalid_scope`/`invalid_request`/`server_error` (else TypeError); both arguments always recorded' }),
      m('accessToken.setCustomClaim', ['key', 'value'], 'api', yes),
      ...cache('yes'),
      m('transaction.addTargetScope', ['scope'], 'void', { note: 'Early Access; updates `event.transaction.target_scopes` at once' }),
      m('transaction.removeTargetScope', ['scope'], 'void', { note: 'as above' }),
      m('transaction.setTargetScopes', ['scopes'], 'void', { note: 'as above' }),
      m('transaction.clearTargetScopes', [], 'void', { note: 'as above' }),
    ],
  },
  'pre-user-registration': {
    handlers: ['onExecutePreUserRegistration'],
    blocking: true,
    source: `${TYPES} src/pre-user-registration/v2/index.d.ts; ${EXPLORE}/signup-and-login-triggers/pre-user-registration-trigger/pre-user-registration-api-object.mdx`,
    members: [
      m('access.deny', ['reason', 'userMessage'], 'api', { effect: 'deny', note: 'reason goes to tenant logs, userMessage to the user' }),
      ...cache('yes'),
      m('user.setAppMetadata', ['key', 'value'], 'api'),
      m('user.setUserMetadata', ['key', 'value'], 'api'),
      m('validation.error', ['errorCode', 'errorMessage'], 'api', { effect: 'deny' }),
    ],
  },
  'post-user-registration': {
    handlers: ['onExecutePostUserRegistration'],
    blocking: false,
    source: `${TYPES} src/post-user-registration/v2/index.d.ts; ${EXPLORE}/signup-and-login-triggers/post-user-registration-trigger/post-user-registration-api-object.mdx`,
    members: [...cache('yes')],
  },
  'post-change-password': {
    handlers: ['onExecutePostChangePassword'],
    blocking: false,
    source: `${TYPES} src/post-change-password/v2/index.d.ts; ${EXPLORE}/password-reset-triggers/post-change-password-trigger/post-change-password-api-object.mdx`,
    members: [...cache('yes')],
  },
  'send-phone-message': {
    handlers: ['onExecuteSendPhoneMessage'],
    blocking: true,
    source: `${TYPES} src/send-phone-message/v2/index.d.ts; ${EXPLORE}/mfa-notifications-trigger/send-phone-message-api-object.mdx`,
    members: [...cache('yes')],
  },
  'password-reset-post-challenge': {
    handlers: ['onExecutePostChallenge', 'onContinuePostChallenge'],
    blocking: true,
    source: `${TYPES} src/password-reset-post-challenge/v1/index.d.ts; ${EXPLORE}/password-reset-triggers/post-challenge-trigger/post-challenge-api-object.mdx`,
    members: [
      m('access.deny', ['reason'], 'void', { effect: 'deny' }),
      m('authentication.challengeWith', ['factor', 'options?'], 'void', { emulated: 'partly', note: MFA_PARTLY }),
      m('authentication.challengeWithAny', ['factors'], 'void', { emulated: 'partly', note: MFA_PARTLY }),
      ...cache('yes'),
      m('prompt.render', ['promptId', 'promptOptions?'], 'void', { effect: 'prompt', note: PROMPT_NOTE.replace('the continue handler', 'onContinuePostChallenge') }),
      ...redirectHelpers('yes'),
      m('redirect.sendUserTo', ['url', 'options?'], 'void', { effect: 'redirect', note: SEND_USER_TO_NOTE.replace('the continue handler', 'onContinuePostChallenge') }),
      m('transaction.setResultUrl', ['url', 'options?'], 'void', { note: 'options `{query?}`: where the user goes after the reset' }),
    ],
  },
  'custom-token-exchange': {
    handlers: ['onExecuteCustomTokenExchange'],
    blocking: true,
    source: `${TYPES} src/custom-token-exchange/v1/index.d.ts; ${EXPLORE}/signup-and-login-triggers/custom-token-exchange-trigger/custom-token-exchange-api-object.mdx`,
    members: [
      m('access.deny', ['code', 'reason'], 'void', { effect: 'deny', note: 'code `invalid_request`, `server_error` or a custom code' }),
      m('access.rejectInvalidSubjectToken', ['reason'], 'void', { effect: 'deny', note: 'rejects with `invalid_request` and feeds attack protection' }),
      m('authentication.setUserById', ['user_id'], 'void', { note: 'exactly one of setUserById / setUserByConnection per execution' }),
      m('authentication.setUserByConnection', ['connection_name', 'user_attributes', 'options'], 'void', { note: 'options `{creationBehavior: "create_if_not_exists" or "none", updateBehavior: "replace" or "none"}`' }),
      m('authentication.setOrganization', ['organization_id_or_name'], 'void'),
      m('authentication.setActor', ['actor'], 'void', { note: '`{sub, act?, …}`, at most once' }),
      ...cache('yes'),
      m('user.setAppMetadata', ['key', 'value'], 'void'),
      m('user.setUserMetadata', ['key', 'value'], 'void'),
    ],
  },
  'custom-email-provider': {
    handlers: ['onExecuteCustomEmailProvider'],
    blocking: true,
    source: `${TYPES} src/custom-email-provider/v1/index.d.ts; ${REFERENCE}/custom-email-provider-trigger/custom-email-provider-api-object.mdx`,
    members: [...cache('yes'), ...notification()],
  },
  'custom-phone-provider': {
    handlers: ['onExecuteCustomPhoneProvider'],
    blocking: true,
    source: `${TYPES} src/custom-phone-provider/v1/index.d.ts; ${REFERENCE}/custom-phone-provider-trigger/custom-phone-provider-api-object.mdx`,
    members: [...cache('yes'), ...notification()],
  },
  'event-stream': {
    handlers: ['onExecuteEventStream'],
    blocking: false,
    source: `${TYPES} src/event-stream/v1/index.d.ts (Early Access); ${EXPLORE}/event-stream-triggers/event-stream-api-object.mdx`,
    members: [...cache('yes')],
  },
};
// Every trigger runs (crates/actsim-js/src/trigger.rs); a member actsim emulates only in part
// says `emulated: 'partly'` and why in its note (a member it lacked would say `'no'`).
for (const t of Object.values(TRIGGERS)) {
  const partly = t.members.filter((mem) => mem.emulated !== 'yes').length;
  t.emulated = partly === 0 ? 'yes' : `yes, ${partly} member${partly === 1 ? '' : 's'} partly`;
}

// The `args` actsim records for a call of `member` with `actual` arguments (before copying).
function recordedArgs(member, actual) {
  if (member.path.endsWith('redirect.sendUserTo')) {
    const options = actual[1];
    return options && options.query ? [actual[0], { query: options.query }] : [actual[0]];
  }
  let count = 0;
  member.params.forEach((p, i) => {
    if (!p.endsWith('?') || actual[i] !== undefined) count = i + 1;
  });
  return actual.slice(0, count).concat(new Array(Math.max(0, count - actual.length)).fill(undefined));
}

// The outcome names: what an execution ends in.
const OUTCOMES = {
  ok: 'completed; nothing below happened',
  denied: 'a member with effect `deny` was called (the flow stops after this Action)',
  redirect: 'api.redirect.sendUserTo was called (and nothing denied): the flow resumes in the continue handler',
  prompt: 'api.prompt.render was called: the flow resumes in the continue handler with `event.prompt`',
  drop: 'the last notification call was `drop`',
  retry: 'the last notification call was `retry`',
  error: 'the handler threw or rejected, or the module failed to load',
};

function markdown() {
  const out = [];
  out.push('| Trigger | Member | Recorded command (`name` `args`) | Returns | Effect | Emulated | Notes |');
  out.push('|---|---|---|---|---|---|---|');
  for (const [name, t] of Object.entries(TRIGGERS)) {
    for (const mem of t.members) {
      const args = mem.params.join(', ');
      const cmd = mem.record ? `\`${mem.path}\` \`[${args}]\`` : 'not a command';
      out.push(`| ${name} | \`api.${mem.path}(${args})\` | ${cmd} | \`${mem.returns}\` | ${mem.effect || '–'} | ${mem.emulated} | ${mem.note} |`);
    }
  }
  return out.join('\n');
}
function triggerTable() {
  const out = ['| Trigger | Handlers | Blocking | Emulated | Source of the members |', '|---|---|---|---|---|'];
  for (const [name, t] of Object.entries(TRIGGERS)) {
    out.push(`| \`${name}\` | ${t.handlers.map((h) => `\`${h}\``).join(', ')} | ${t.blocking ? 'yes' : 'no (runs after the flow: a failure is reported, `failures_reported`, and blocks nothing)'} | ${t.emulated} | ${t.source} |`);
  }
  return out.join('\n');
}

// The two tables sit in docs/actions-api.md between these markers.
const BEGIN = '<!-- spec tables: generated by tests/node-runner/spec.js --update-docs -->';
const END = '<!-- end of spec tables -->';
const DOC = require('path').join(__dirname, '..', '..', 'docs', 'actions-api.md');
function docTables() {
  return `${BEGIN}\n${triggerTable()}\n\n${markdown()}\n${END}`;
}
// Whether docs/actions-api.md holds the tables as this file makes them.
function docsInSync() {
  return require('fs').readFileSync(DOC, 'utf8').includes(docTables());
}
function updateDocs() {
  const fs = require('fs');
  const doc = fs.readFileSync(DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC}: the spec table markers are missing`);
  fs.writeFileSync(DOC, doc.slice(0, start) + docTables() + doc.slice(end + END.length));
}

module.exports = { TRIGGERS, OUTCOMES, recordedArgs, markdown, triggerTable, docsInSync };

if (require.main === module) {
  if (process.argv[2] === '--markdown') console.log(`${triggerTable()}\n\n${markdown()}`);
  else if (process.argv[2] === '--update-docs') updateDocs();
  else if (process.argv[2] === '--compact') {
    for (const [name, t] of Object.entries(TRIGGERS)) {
      console.log(`${name} [${t.handlers.join(', ')}]: ${t.members.map((x) => `${x.path}(${x.params.join(',')})`).join(' ')}`);
    }
  } else console.log(JSON.stringify(TRIGGERS, null, 2));
}
