/**
 * A real OpenID Connect provider for the SSO tests: `oidc-provider` (the certified Node.js
 * implementation) on 127.0.0.1 with a random port, in-memory state, its own signing key, a client
 * per test tenant and test accounts with a password. Its login page is a plain form (E-mail,
 * Password, "Sign in") that Playwright fills like a person; `signIn` walks the same pages over HTTP
 * for the integration tests. Consent is implied (every client is first-party here).
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, {
  type Adapter,
  type AdapterPayload,
  type KoaContextWithOIDC,
} from 'oidc-provider';

export type TestIdpAccount = {
  /** The stable `sub` the provider asserts. */
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string;
  password: string;
};

export type TestIdpClient = { clientId: string; clientSecret: string };

export type TestIdp = {
  issuer: string;
  /** Registers a confidential client (code flow, client_secret_basic) with these redirect URIs. */
  addClient(redirectUris: string[]): Promise<TestIdpClient>;
  addAccount(overrides?: Partial<TestIdpAccount>): TestIdpAccount;
  /**
   * Follows an authorization URL through the login form as `account`, carrying the provider's
   * cookies, and returns where the provider finally sends the browser (the client's redirect URI
   * with `code` and `state`, or with `error`).
   */
  signIn(
    authorizationUrl: string,
    account: Pick<TestIdpAccount, 'email' | 'password'>,
  ): Promise<string>;
  close(): Promise<void>;
};

/** A Map per model; oidc-provider's own memory adapter is one process-wide LRU of 1,000 entries. */
function memoryAdapter() {
  const store = new Map<string, AdapterPayload>();
  const index = new Map<string, string>();
  const Adapter = class MapAdapter implements Adapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: AdapterPayload) {
      store.set(this.key(id), payload);
      if (payload.uid) index.set(`uid:${payload.uid}`, id);
      if (payload.userCode) index.set(`userCode:${payload.userCode}`, id);
      if (payload.grantId) index.set(`grant:${payload.grantId}:${this.key(id)}`, this.key(id));
    }
    async find(id: string) {
      return store.get(this.key(id));
    }
    async findByUid(uid: string) {
      const id = index.get(`uid:${uid}`);
      return id ? store.get(this.key(id)) : undefined;
    }
    async findByUserCode(userCode: string) {
      const id = index.get(`userCode:${userCode}`);
      return id ? store.get(this.key(id)) : undefined;
    }
    async consume(id: string) {
      const payload = store.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [name, key] of index) {
        if (name.startsWith(`grant:${grantId}:`)) {
          store.delete(key);
          index.delete(name);
        }
      }
    }
  };
  // Clients registered at run time live in the same store, where Client.find looks them up.
  const addClient = (id: string, metadata: AdapterPayload) => store.set(`Client:${id}`, metadata);
  return { Adapter, addClient };
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, clientId: string, error?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body>
<main>
<h1>Test identity provider</h1>
<p>Sign in to continue to ${escapeHtml(clientId)}.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="email">E-mail</label> <input id="email" name="email" type="email" autocomplete="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Sign in</button>
</form>
</main>
</body></html>`;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startTestIdp(): Promise<TestIdp> {
  const accounts = new Map<string, TestIdpAccount>();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomUUID(),
    alg: 'RS256',
    use: 'sig',
  };

  const memory = memoryAdapter();
  const provider = new Provider(issuer, {
    adapter: memory.Adapter,
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
    async findAccount(_ctx, subject) {
      const account = accounts.get(subject);
      if (!account) return undefined;
      return {
        accountId: subject,
        claims: async () => ({
          sub: subject,
          email: account.email,
          email_verified: account.emailVerified,
          name: account.name,
        }),
      };
    },
    // Consent is implied: every client of this provider is first-party.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: client.clientId,
        accountId: session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      session.grantIdFor(client.clientId, grant.jti);
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Error</title><h1>${escapeHtml(String(out.error))}</h1><p>${escapeHtml(String(out.error_description ?? ''))}</p>`;
    },
  });

  const callback = provider.callback();
  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
    if (!match) {
      void callback(req, res);
      return;
    }
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        const clientId = String(details.params.client_id ?? '');
        if (!match[2]) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(loginPage(details.uid, clientId));
          return;
        }
        const form = await readForm(req);
        const email = form.get('email')?.trim().toLowerCase() ?? '';
        const account = [...accounts.values()].find((a) => a.email === email);
        if (!account || account.password !== form.get('password')) {
          res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' });
          res.end(loginPage(details.uid, clientId, 'Wrong e-mail or password.'));
          return;
        }
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: account.subject } },
          { mergeWithLastSubmission: false },
        );
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`interaction failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
  });

  return {
    issuer,
    async addClient(redirectUris) {
      const client = {
        clientId: `client-${randomUUID().slice(0, 8)}`,
        clientSecret: randomBytes(24).toString('base64url'),
      };
      memory.addClient(client.clientId, {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      return client;
    },
    addAccount(overrides = {}) {
      const id = randomUUID().slice(0, 8);
      const account: TestIdpAccount = {
        subject: `sub-${id}`,
        email: `person-${id}@idp.test`,
        emailVerified: true,
        name: `Person ${id}`,
        password: `idp-password-${id}`,
        ...overrides,
      };
      accounts.set(account.subject, account);
      return account;
    },
    async signIn(authorizationUrl, account) {
      const jar = new Map<string, string>();
      const remember = (response: Response) => {
        for (const line of response.headers.getSetCookie()) {
          const [pair] = line.split(';');
          const at = pair!.indexOf('=');
          const name = pair!.slice(0, at);
          const value = pair!.slice(at + 1);
          if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
          else jar.set(name, value);
        }
      };
      const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      const request = async (url: string, init: RequestInit = {}) => {
        const response = await fetch(url, {
          ...init,
          redirect: 'manual',
          headers: { ...(init.headers as Record<string, string>), cookie: cookie() },
        });
        remember(response);
        await response.body?.cancel();
        return response;
      };

      let url = authorizationUrl;
      for (let hop = 0; hop < 10; hop++) {
        if (!url.startsWith(issuer)) return url;
        const interaction = /\/interaction\/([^/?]+)$/.exec(new URL(url).pathname);
        const response = interaction
          ? await request(`${issuer}/interaction/${interaction[1]}/login`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ email: account.email, password: account.password }),
            })
          : await request(url);
        const location = response.headers.get('location');
        if (!location) throw new Error(`the provider answered ${response.status} at ${url}`);
        url = new URL(location, url).href;
      }
      throw new Error('too many redirects at the provider');
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
