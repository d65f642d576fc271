import 'server-only';
import { AppError } from '@/lib/errors';

const DISCOVERY_TIMEOUT_MS = 5_000;

export type IssuerMetadata = {
  /** The issuer exactly as the provider names itself (what its tokens carry in `iss`). */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
};

const refuse = (message: string) =>
  new AppError('invalid_input', 'Check the highlighted fields.', {
    fieldErrors: { issuer: [message] },
  });

/** `<issuer>/.well-known/openid-configuration`, keeping any path the issuer has (RFC 8414 §3). */
export function discoveryUrl(issuer: string): URL {
  const url = new URL(issuer);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/.well-known/openid-configuration`;
  return url;
}

/**
 * Fetches and checks an issuer's OpenID Connect discovery document, so a connection is saved
 * only when sign-in can work. Plain http is accepted only when the platform itself runs on plain
 * http (local development and tests); redirects are not followed. Errors name what is wrong in
 * words; of the server's answer they repeat only its status and the issuer it names.
 */
export async function discoverIssuer(
  issuer: string,
  options: { allowHttp: boolean; timeoutMs?: number },
): Promise<IssuerMetadata> {
  const url = discoveryUrl(issuer);
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
    throw refuse('Use an https issuer URL.');
  }
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? DISCOVERY_TIMEOUT_MS),
    });
  } catch {
    throw refuse(`Could not reach ${url.href}. Check the issuer URL.`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw refuse(`${url.href} answered ${response.status}: is this the issuer URL?`);
  }
  let document: Record<string, unknown>;
  try {
    document = (await response.json()) as Record<string, unknown>;
  } catch {
    throw refuse(`${url.href} is not an OpenID Connect discovery document.`);
  }
  const { issuer: named, authorization_endpoint, token_endpoint } = document ?? {};
  if (
    typeof named !== 'string' ||
    typeof authorization_endpoint !== 'string' ||
    typeof token_endpoint !== 'string'
  ) {
    throw refuse(`${url.href} is not an OpenID Connect discovery document.`);
  }
  if (!sameIssuer(named, issuer)) {
    throw refuse(`The provider names itself ${named.slice(0, 200)}: enter that as the issuer.`);
  }
  return {
    issuer: named,
    authorizationEndpoint: authorization_endpoint,
    tokenEndpoint: token_endpoint,
  };
}

function sameIssuer(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}
