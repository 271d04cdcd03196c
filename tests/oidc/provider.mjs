// A real OpenID Connect provider for K-0's tests: node-oidc-provider (a certified
// implementation) with a small log-in page of its own, standing in for the city's log-in.
//
//   node provider.mjs STATE.json
//
// STATE.json (written by tests/oidc/provider.py) holds the registered clients and the test
// users. It is read again on every look-up, so a test can register a redirect URI or
// deactivate a user while the provider runs. The provider listens on 127.0.0.1 on a free port
// and prints "ready <issuer>" when it accepts requests. Signing and cookie keys are made
// afresh at every start.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

const statePath = process.argv[2];
if (!statePath) {
  console.error('usage: node provider.mjs STATE.json');
  process.exit(2);
}
const readState = () => JSON.parse(fs.readFileSync(statePath, 'utf8'));

// Clients come from the state file (so tests can add redirect URIs); everything else the
// provider stores (sessions, codes, grants) stays in memory.
class Adapter extends MemoryAdapter {
  constructor(name) {
    super(name);
    this.modelName = name;
  }

  async find(id) {
    if (this.modelName === 'Client') {
      const client = readState().clients.find((c) => c.client_id === id);
      return client ? { ...client } : undefined;
    }
    return super.find(id);
  }
}

const userByName = (username) => readState().users[username];
const userBySub = (sub) => Object.values(readState().users).find((u) => u.sub === sub);

// A user deactivated at the provider has no account: an existing provider session no longer
// logs them in silently (prompt=none answers login_required), as in a real identity provider.
const policy = interactionPolicy.base();
policy.get('login').checks.add(
  new interactionPolicy.Check('account_disabled', 'the account is disabled', (ctx) => (
    ctx.oidc.session.accountId && !ctx.oidc.account
      ? interactionPolicy.Check.REQUEST_PROMPT
      : interactionPolicy.Check.NO_NEED_TO_PROMPT
  )),
);

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function loginPage(uid, error) {
  return page('City log-in (test provider)', `
  ${error ? `<p role="alert" id="error">${escape(error)}</p>` : ''}
  <form method="post" action="/interaction/${uid}/login" id="login-form">
    <label for="username">Username</label> <input id="username" name="username" autofocus>
    <label for="password">Password</label> <input id="password" name="password" type="password">
    <button type="submit" id="sign-in">Sign in</button>
  </form>
  <form method="post" action="/interaction/${uid}/abort">
    <button type="submit" id="cancel">Cancel</button>
  </form>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function interaction(provider, req, res) {
  const [, , uid, action] = new URL(req.url, 'http://x').pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, page('Error', '<p>Unknown interaction.</p>'));
    return;
  }
  if (req.method === 'GET') {
    send(res, 200, loginPage(uid));
    return;
  }
  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }
  const form = await readForm(req);
  const user = userByName(form.username || '');
  if (!user || user.password !== form.password) {
    send(res, 200, loginPage(uid, 'Wrong username or password.'));
    return;
  }
  if (!user.active) {
    send(res, 200, loginPage(uid, 'This account is disabled.'));
    return;
  }
  await provider.interactionFinished(req, res, {
    login: { accountId: user.sub, amr: user.amr, acr: user.acr, remember: true },
  }, { mergeWithLastSubmission: false });
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'k0-test', alg: 'RS256', use: 'sig' };
  const settings = readState().settings || {};

  const provider = new Provider(issuer, {
    adapter: Adapter,
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    claims: {
      acr: null,
      amr: null,
      sid: null,
      auth_time: null,
      iss: null,
      // Like the city's provider, every ID token says how the user authenticated.
      openid: ['sub', 'acr', 'amr'],
      // `oid` stands for an identifier that this provider keeps out of its ID tokens.
      profile: ['name', 'given_name', 'family_name', 'locale', 'oid'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    acrValues: ['urn:k0:test:loa:low', 'urn:k0:test:loa:high'],
    async findAccount(ctx, sub) {
      const user = userBySub(sub);
      if (!user || !user.active) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...user.claims }) };
    },
    // K-0 is a first-party service: the city grants it what it asks for, without a consent page.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const grant = await ctx.oidc.provider.Grant.find(grantId);
        if (grant) return grant;
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
      await grant.save();
      return grant;
    },
    interactions: { policy, url: (ctx, it) => `/interaction/${it.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Log out of the city log-in?', `${form}
  <button type="submit" form="op.logoutForm" value="yes" name="logout" id="logout-yes">Yes, log out</button>`);
        },
      },
    },
    // PKCE is required of every client, confidential or not: K-0 must send it.
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: settings.id_token_ttl || 300,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    clientBasedCORS: () => false,
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<p id="error">${escape(out.error)}</p>`);
    },
  });
  const handle = provider.callback();

  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(provider, req, res).catch((error) => {
        send(res, 400, page('Error', `<p id="error">${escape(error.name || 'error')}</p>`));
      });
    } else {
      handle(req, res);
    }
  });
  process.stdout.write(`ready ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
