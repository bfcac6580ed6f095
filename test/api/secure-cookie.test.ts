import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createSecureRequestTest } from '../../src/server/http/request-security.js';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import { useTestApp, type TestApp } from '../support/test-app.js';
import { theCredentialCookie } from '../support/set-cookies.js';
import { GENEROUS_LIMITS, REST_GENERATE, rawRequest, type RawResponse } from '../support/api-requests.js';

const SECURE_NAME = `__Host-${CREDENTIAL_COOKIE}`;

/** A request as nginx's default `proxy_pass` forwards it: Host rewritten to the upstream, the scheme in a header. */
function viaProxy(t: TestApp, path: string, proto: string): Promise<RawResponse> {
  return rawRequest(t.url, {
    path,
    headers: { host: '127.0.0.1:3000', 'x-forwarded-proto': proto, 'x-forwarded-for': '203.0.113.9', 'content-type': 'application/json' },
  });
}

describe('the credential cookie behind a TLS proxy that TRUST_PROXY names', () => {
  const t = useTestApp({ env: { ...GENEROUS_LIMITS, TRUST_PROXY: 'loopback' } });

  it('is Secure with the __Host- prefix when the proxy says https, though Host is 127.0.0.1', async () => {
    const response = await viaProxy(t, REST_GENERATE, 'https');
    expect(response.status).toBe(200);
    const cookie = theCredentialCookie(response.headers);
    expect(cookie.name).toBe(SECURE_NAME);
    expect(cookie.attributes.get('secure')).toBe(true);
    expect(cookie.attributes.get('path')).toBe('/');
    expect(cookie.attributes.has('domain')).toBe(false);
  });

  it('opens the session with the __Host- cookie, and rotates and clears it under the same name', async () => {
    const generated = await viaProxy(t, '/api/trpc/session.generate', 'https');
    const credential = theCredentialCookie(generated.headers).value;
    const { result } = JSON.parse(generated.body) as { result: { data: { sessionId: string } } };
    const cookie = `${SECURE_NAME}=${credential}`;

    const current = await rawRequest(t.url, { method: 'GET', path: '/api/trpc/session.current', headers: { cookie, 'x-forwarded-proto': 'https' } });
    expect(JSON.parse(current.body)).toMatchObject({ result: { data: { sessionId: result.data.sessionId } } });

    const reset = await rawRequest(t.url, {
      path: '/api/trpc/session.reset',
      headers: { cookie, 'x-forwarded-proto': 'https', 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: result.data.sessionId }),
    });
    expect(reset.status).toBe(200);
    const rotated = theCredentialCookie(reset.headers);
    expect(rotated.name).toBe(SECURE_NAME);
    expect(rotated.attributes.get('secure')).toBe(true);
    expect(rotated.value).not.toBe(credential);
    // The first credential is cleared once the session that replaced it has ended too.
    const replacement = JSON.parse(reset.body) as { result: { data: { sessionId: string } } };
    const again = await rawRequest(t.url, {
      path: '/api/trpc/session.reset',
      headers: { cookie: `${SECURE_NAME}=${rotated.value}`, 'x-forwarded-proto': 'https', 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: replacement.result.data.sessionId }),
    });
    expect(again.status).toBe(200);

    const stale = await rawRequest(t.url, { method: 'GET', path: '/api/trpc/session.current', headers: { cookie, 'x-forwarded-proto': 'https' } });
    const cleared = theCredentialCookie(stale.headers);
    expect(cleared).toMatchObject({ name: SECURE_NAME, value: '' });
    expect(cleared.attributes.get('max-age')).toBe('0');
    expect(cleared.attributes.get('secure')).toBe(true);
  });

  it('is plain when the proxy says the client came over http', async () => {
    const cookie = theCredentialCookie((await viaProxy(t, REST_GENERATE, 'http')).headers);
    expect(cookie.name).toBe(CREDENTIAL_COOKIE);
    expect(cookie.attributes.has('secure')).toBe(false);
  });
});

describe('a plain credential cookie on a request that came over TLS', () => {
  const t = useTestApp({ env: { ...GENEROUS_LIMITS, TRUST_PROXY: 'loopback' } });

  /** A session the attacker owns, whose credential a sibling subdomain plants as a plain cookie. */
  async function attackersCredential(): Promise<{ sessionId: string; credential: string }> {
    const generated = await viaProxy(t, REST_GENERATE, 'http');
    const { sessionId } = JSON.parse(generated.body) as { sessionId: string };
    return { sessionId, credential: theCredentialCookie(generated.headers).value };
  }

  it('opens no session (no fixation) and is expired', async () => {
    const planted = await attackersCredential();
    const current = await rawRequest(t.url, {
      method: 'GET',
      path: '/api/trpc/session.current',
      headers: { cookie: `${CREDENTIAL_COOKIE}=${planted.credential}`, 'x-forwarded-proto': 'https' },
    });
    expect(JSON.parse(current.body)).toEqual({ result: { data: null } });
    const expired = theCredentialCookie(current.headers);
    expect(expired).toMatchObject({ name: CREDENTIAL_COOKIE, value: '' });
    expect(expired.attributes.get('max-age')).toBe('0');

    // Nor can it be used to chat into the attacker's session or upload to it.
    const send = await rawRequest(t.url, {
      path: '/api/trpc/chat.send',
      headers: { cookie: `${CREDENTIAL_COOKIE}=${planted.credential}`, 'x-forwarded-proto': 'https', 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: planted.sessionId, text: 'hello' }),
    });
    expect(send.status).toBe(401);
    const upload = await rawRequest(t.url, {
      path: `/api/files?sessionId=${planted.sessionId}&name=a.txt`,
      headers: { cookie: `${CREDENTIAL_COOKIE}=${planted.credential}`, 'x-forwarded-proto': 'https', 'content-type': 'text/plain' },
      body: 'planted',
    });
    expect(upload.status).toBe(401);
  });

  it('is ignored beside the __Host- cookie, which keeps its own session', async () => {
    const planted = await attackersCredential();
    const own = await viaProxy(t, '/api/trpc/session.generate', 'https');
    const ownCredential = theCredentialCookie(own.headers).value;
    const { result } = JSON.parse(own.body) as { result: { data: { sessionId: string } } };
    // The planted cookie first, as a browser sends a cookie with a broader Domain or an older one.
    const cookie = `${CREDENTIAL_COOKIE}=${planted.credential}; ${SECURE_NAME}=${ownCredential}`;
    const current = await rawRequest(t.url, { method: 'GET', path: '/api/trpc/session.current', headers: { cookie, 'x-forwarded-proto': 'https' } });
    expect(JSON.parse(current.body)).toMatchObject({ result: { data: { sessionId: result.data.sessionId } } });
    expect(theCredentialCookie(current.headers)).toMatchObject({ name: CREDENTIAL_COOKIE, value: '' });
  });

  it('is still the credential over plain HTTP', async () => {
    const plain = await attackersCredential();
    const current = await rawRequest(t.url, { method: 'GET', path: '/api/trpc/session.current', headers: { cookie: `${CREDENTIAL_COOKIE}=${plain.credential}` } });
    expect(JSON.parse(current.body)).toMatchObject({ result: { data: { sessionId: plain.sessionId } } });
    expect(current.headers['set-cookie']).toBeUndefined();
  });
});

describe('createSecureRequestTest', () => {
  function request(socket: Socket, proto?: string): IncomingMessage {
    const req = new IncomingMessage(socket);
    if (proto !== undefined) req.headers['x-forwarded-proto'] = proto;
    return req;
  }

  it('counts TLS on the socket itself as secure, with or without a proxy', () => {
    const tls = new TLSSocket(new Socket());
    expect(createSecureRequestTest({ kind: 'none' })(request(tls))).toBe(true);
    expect(createSecureRequestTest({ kind: 'hops', hops: 1 })(request(tls, 'http'))).toBe(true);
    tls.destroy();
  });

  it('believes X-Forwarded-Proto only from a trusted peer, and takes the outermost value of a list', () => {
    const plain = new Socket();
    Object.defineProperty(plain, 'remoteAddress', { value: '10.0.0.5' });
    expect(createSecureRequestTest({ kind: 'none' })(request(plain, 'https'))).toBe(false);
    expect(createSecureRequestTest({ kind: 'addresses', addresses: ['loopback'] })(request(plain, 'https'))).toBe(false);
    expect(createSecureRequestTest({ kind: 'addresses', addresses: ['10.0.0.0/8'] })(request(plain, 'https'))).toBe(true);
    expect(createSecureRequestTest({ kind: 'hops', hops: 1 })(request(plain, 'HTTPS, http'))).toBe(true);
    expect(createSecureRequestTest({ kind: 'hops', hops: 1 })(request(plain, 'http, https'))).toBe(false);
    expect(createSecureRequestTest({ kind: 'hops', hops: 1 })(request(plain))).toBe(false);
    plain.destroy();
  });
});
