'use strict';
// The main path of Clinic Core (docs/treatment-flow.md) driven from Node.js
// over the clinic.v1 contracts, so tools written outside C++ know the protos
// load and the path works for them. Runs against clinicd or against the
// services in separate processes; it never asks which.
//
//   node tests/node/main_path.js --proto_dir=proto --admin_token_file=FILE \
//     --site=london-soho --all=127.0.0.1:50051
//
// tests/node/README.md lists every flag.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const CALL_DEADLINE_MS = 15000;
const CHARGE_TIMEOUT_MS = 20000;
const DEVICE = 'Dermapen 4';

// ---------------------------------------------------------------------------
// Command line

const ADDRESS_FLAGS = ['records', 'screening', 'inventory', 'billing', 'access'];
const USAGE =
  'usage: node main_path.js --proto_dir=DIR --admin_token_file=FILE --site=SITE_ID\n' +
  '         (--all=HOST:PORT | --records=HOST:PORT --screening=HOST:PORT\n' +
  '          --inventory=HOST:PORT --billing=HOST:PORT --access=HOST:PORT)\n' +
  '         [--audit=HOST:PORT,...] [--plugin_type=treatmentTypes/ID]';

function usage(problem) {
  process.stderr.write(`${problem}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const known = new Set(['proto_dir', 'admin_token_file', 'site', 'all', 'audit', 'plugin_type',
    ...ADDRESS_FLAGS]);
  const flags = {};
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const match = /^--([a-z_]+)=(.*)$/s.exec(arg);
    if (!match) usage(`not a --flag=value: ${arg}`);
    if (!known.has(match[1])) usage(`unknown flag --${match[1]}`);
    flags[match[1]] = match[2];
  }
  for (const name of ADDRESS_FLAGS) {
    if (flags[name] === undefined && flags.all !== undefined) flags[name] = flags.all;
  }
  for (const name of ['proto_dir', 'admin_token_file', 'site', ...ADDRESS_FLAGS]) {
    if (!flags[name]) usage(`--${name} is required`);
  }
  flags.plugin_type = flags.plugin_type || 'treatmentTypes/microneedling';
  if (!/^treatmentTypes\/[a-z][a-z0-9_]{1,62}$/.test(flags.plugin_type)) {
    usage(`--plugin_type must look like treatmentTypes/microneedling, got ${flags.plugin_type}`);
  }
  const audit = (flags.audit || flags.records).split(',').map((a) => a.trim()).filter(Boolean);
  // The ClientRecords trail is the one the treatment must reach whatever
  // else is listed, so it is always read.
  if (!audit.includes(flags.records)) audit.unshift(flags.records);
  flags.audit = [...new Set(audit)];
  return flags;
}

// ---------------------------------------------------------------------------
// Failures

class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

const CODE_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));

// The error details are clinic.v1.Status in grpc-status-details-bin,
// wire-compatible with google.rpc.Status. Decoding the few fields by hand
// keeps the scenario on the two declared packages.
function readVarint(buf, at) {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (at >= buf.length) throw new Error('truncated varint');
    const byte = buf[at++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, at];
    scale *= 128;
  }
}

function readFields(buf) {
  const fields = [];
  let at = 0;
  while (at < buf.length) {
    let key;
    [key, at] = readVarint(buf, at);
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    let value;
    if (wireType === 0) {
      [value, at] = readVarint(buf, at);
    } else if (wireType === 2) {
      let length;
      [length, at] = readVarint(buf, at);
      value = buf.subarray(at, at + length);
      at += length;
    } else if (wireType === 1 || wireType === 5) {
      at += wireType === 1 ? 8 : 4;
    } else {
      throw new Error(`unexpected wire type ${wireType}`);
    }
    fields.push({ number, value });
  }
  return fields;
}

function strings(fields, number) {
  return fields.filter((f) => f.number === number).map((f) => f.value.toString('utf8'));
}

function decodeDetails(error) {
  const details = { violations: [], reason: '', domain: '', other: [] };
  const raw = error.metadata && error.metadata.get('grpc-status-details-bin')[0];
  if (!raw) return details;
  for (const any of readFields(Buffer.from(raw)).filter((f) => f.number === 3)) {
    const anyFields = readFields(any.value);
    const typeUrl = strings(anyFields, 1)[0] || '';
    const body = (anyFields.find((f) => f.number === 2) || { value: Buffer.alloc(0) }).value;
    if (typeUrl.endsWith('/clinic.v1.BadRequest')) {
      for (const violation of readFields(body).filter((f) => f.number === 1)) {
        const v = readFields(violation.value);
        details.violations.push({ field: strings(v, 1)[0] || '', description: strings(v, 2)[0] || '' });
      }
    } else if (typeUrl.endsWith('/clinic.v1.ErrorInfo')) {
      const info = readFields(body);
      details.reason = strings(info, 1)[0] || '';
      details.domain = strings(info, 2)[0] || '';
    } else {
      details.other.push(typeUrl);
    }
  }
  return details;
}

function describeError(error) {
  if (error instanceof CheckFailed) return error.message;
  if (typeof error.code !== 'number') return error.stack || String(error);
  const lines = [`${CODE_NAMES[error.code] || error.code}: ${error.details}`];
  if (error.rpc) lines.push(`  from ${error.rpc}`);
  let details;
  try {
    details = decodeDetails(error);
  } catch (e) {
    return `${lines[0]}\n  (error details unreadable: ${e.message})`;
  }
  if (details.reason) lines.push(`  reason ${details.reason} (${details.domain})`);
  for (const v of details.violations) lines.push(`  ${v.field}: ${v.description}`);
  for (const t of details.other) lines.push(`  detail ${t}`);
  if (error.requestId) lines.push(`  x-request-id ${error.requestId} (the server's log line)`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Calls

function loadProtos(protoDir) {
  const dir = path.join(protoDir, 'clinic', 'v1');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.proto')).sort()
    .map((f) => `clinic/v1/${f}`);
  const definition = protoLoader.loadSync(files, {
    includeDirs: [protoDir],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return { definition, v1: grpc.loadPackageDefinition(definition).clinic.v1 };
}

class Caller {
  constructor(v1, runId) {
    this.v1 = v1;
    this.runId = runId;
    this.clients = new Map();
    this.reads = 0;
  }

  client(service, address) {
    const key = `${service}@${address}`;
    if (!this.clients.has(key)) {
      this.clients.set(key, new this.v1[service](address, grpc.credentials.createInsecure()));
    }
    return this.clients.get(key);
  }

  // The x-request-id of a write is its request_id, so its log lines and
  // audit events are found by the id the scenario printed. A read that
  // filters by a request id passes a traceId of its own, or it would land
  // in the trail it is reading.
  call(address, service, method, request, token, traceId = '') {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    const requestId = traceId || request.request_id || `${this.runId}-read-${++this.reads}`;
    metadata.set('x-request-id', requestId);
    const client = this.client(service, address);
    return new Promise((resolve, reject) => {
      client[method](request, metadata, { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) => {
        if (!error) return resolve(response);
        error.rpc = `${service}/${method} at ${address}`;
        error.requestId = requestId;
        return reject(error);
      });
    });
  }

  async expectError(promise, code, what) {
    try {
      await promise;
    } catch (error) {
      if (error.code === code) return error;
      throw error;
    }
    throw new CheckFailed(`${what}: succeeded, expected ${CODE_NAMES[code]}`);
  }

  close() {
    for (const client of this.clients.values()) client.close();
  }
}

// ---------------------------------------------------------------------------
// Small helpers

function utcDate(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function nowTimestamp() {
  return { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 };
}

function dateText(d) {
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

function money(m) {
  return `${m.amount_minor} ${m.currency_code} (minor units)`;
}

async function listAll(fetchPage, itemsField) {
  const items = [];
  let pageToken = '';
  do {
    const page = await fetchPage(pageToken);
    items.push(...page[itemsField]);
    pageToken = page.next_page_token;
  } while (pageToken);
  return items;
}

// The answer of a client with nothing to declare: "no", "never", the
// option that says none. An optional number or date is left out, as such a
// client leaves it: rules read those only when given (an HbA1c, a platelet
// count), and any value made up could be the one a rule refuses.
function plainAnswer(question) {
  const answer = { question_id: question.id };
  switch (question.answer_type) {
    case 'ANSWER_TYPE_YES_NO':
      answer.yes_no = false;
      break;
    case 'ANSWER_TYPE_DATE':
      if (question.never_label) answer.never = true;
      else if (question.required) answer.date = { year: 2001, month: 1, day: 1 };
      else return null;
      break;
    case 'ANSWER_TYPE_NUMBER':
      if (!question.required) return null;
      answer.number = question.number_bounds ? question.number_bounds.min : 0;
      break;
    case 'ANSWER_TYPE_CHOICE': {
      const negative = question.options.find((o) => /^(no|not|none|never)(_|$)/.test(o.id));
      answer.choice_id = (negative || question.options[0]).id;
      break;
    }
    case 'ANSWER_TYPE_TEXT':
      answer.text = 'Nothing to add.';
      break;
    default:
      throw new CheckFailed(`question ${question.id} has answer type ${question.answer_type}, ` +
        'which this scenario cannot answer');
  }
  return answer;
}

function appliesTo(requirement, areaId) {
  return requirement.area_ids.length === 0 || requirement.area_ids.includes(areaId);
}

// A record needs at least one cartridge, so the area charted is the first
// one some cartridge requirement covers.
function chooseAreaAndCartridge(definition) {
  for (const area of definition.protocol.areas) {
    const cartridge = definition.cartridges.find((c) => appliesTo(c, area.id) && c.needles.length > 0);
    if (cartridge) return { area, cartridge };
  }
  throw new CheckFailed(`${definition.id} has no area with a cartridge requirement`);
}

// What a stocked product must be to fit a requirement (docs/inventory.md):
// derived from the definition, so another plugin type gets its own fit.
function productFor(typeId, requirement, isCartridge) {
  const product = {
    display_name: `Node scenario ${typeId} ${requirement.id}`,
    manufacturer: 'Clinic Core test supplies',
    model: `NODE-${requirement.id}`.slice(0, 100),
  };
  if (isCartridge) {
    const needles = requirement.needles[0];
    product.kind = 'CONSUMABLE_KIND_NEEDLE_CARTRIDGE';
    product.cartridge = {
      needles: needles.nano ? { nano: true } : { needle_count: needles.needle_count },
      needle_length_um: Math.min(5000, Math.max(requirement.min_needle_length_um, 2500)),
      insulated: requirement.insulated_needles_required,
      compatible_devices: [DEVICE],
    };
  } else {
    product.kind = requirement.kind;
    product.category = requirement.category;
  }
  return product;
}

function sameFit(stocked, wanted) {
  if (stocked.display_name !== wanted.display_name || stocked.kind !== wanted.kind) return false;
  if (wanted.kind !== 'CONSUMABLE_KIND_NEEDLE_CARTRIDGE') return stocked.category === wanted.category;
  const a = stocked.cartridge;
  const b = wanted.cartridge;
  return Boolean(a && a.needles) &&
    Boolean(a.needles.nano) === Boolean(b.needles.nano) &&
    (a.needles.needle_count || 0) === (b.needles.needle_count || 0) &&
    a.needle_length_um >= b.needle_length_um &&
    Boolean(a.insulated) === Boolean(b.insulated) &&
    a.compatible_devices.includes(DEVICE);
}

// ---------------------------------------------------------------------------
// The scenario

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const adminToken = fs.readFileSync(args.admin_token_file, 'utf8').trim();
  const { v1 } = loadProtos(args.proto_dir);
  const suffix = crypto.randomBytes(5).toString('hex');
  const runId = `node-${suffix}`;
  const rpc = new Caller(v1, runId);
  const site = args.site;
  const typeName = args.plugin_type;
  const typeId = typeName.slice('treatmentTypes/'.length);
  let ids = 0;
  const newRequestId = (what) => `${runId}-${what}-${++ids}`;

  const state = {};
  const step = async (name, body) => {
    try {
      const detail = await body();
      process.stdout.write(`ok ${name}: ${detail}\n`);
    } catch (error) {
      process.stderr.write(`FAILED ${name}: ${describeError(error)}\n`);
      rpc.close();
      process.exit(1);
    }
  };

  const service = (address, name) => (method, request, token) =>
    rpc.call(address, name, method, request, token);
  const records = service(args.records, 'ClientRecords');
  const screening = service(args.screening, 'Screening');
  const inventory = service(args.inventory, 'Inventory');
  const billing = service(args.billing, 'Billing');
  const access = service(args.access, 'Access');

  await step('catalog', async () => {
    const type = await rpc.call(args.records, 'TreatmentCatalog', 'GetTreatmentType',
      { name: typeName }, adminToken);
    state.definition = type.definition;
    const { area, cartridge } = chooseAreaAndCartridge(type.definition);
    state.area = area;
    state.cartridge = cartridge;
    state.consumables = type.definition.consumables.filter((c) => appliesTo(c, area.id));
    return `${typeName} ${type.definition.version}; charting ${area.id} with ${cartridge.id}` +
      (state.consumables.length ? ` and ${state.consumables.map((c) => c.id).join(', ')}` : '');
  });

  await step('access', async () => {
    const people = [
      { key: 'nurse', name: `staff/node-nurse-${suffix}`, display: 'Node scenario nurse',
        roles: [{ role: 'ROLE_PRACTITIONER', site_id: site }] },
      { key: 'manager', name: `staff/node-manager-${suffix}`, display: 'Node scenario site manager',
        roles: [{ role: 'ROLE_SITE_MANAGER', site_id: site }] },
      // Recalls act on every site's stock, so RecallLot wants the role
      // chain-wide.
      { key: 'stock', name: `staff/node-stock-${suffix}`, display: 'Node scenario central stock',
        roles: [{ role: 'ROLE_INVENTORY_CLERK', site_id: '' }] },
    ];
    state.tokens = {};
    state.tokenNames = [];
    for (const person of people) {
      const created = await access('CreatePrincipal', {
        principal: { name: person.name, display_name: person.display, roles: person.roles },
        request_id: newRequestId('principal'),
      }, adminToken);
      check(created.name === person.name, `CreatePrincipal returned ${created.name}`);
      // A short life: runs leave principals behind, not working secrets.
      const issued = await access('IssueToken', {
        principal: person.name,
        description: `node main path scenario ${runId}`,
        ttl: { seconds: '3600', nanos: 0 },
        request_id: newRequestId('token'),
      }, adminToken);
      check(issued.secret, `IssueToken for ${person.name} returned no secret`);
      state.tokens[person.key] = issued.secret;
      state.tokenNames.push(issued.token.name);
      state[person.key] = person.name;
    }
    const whoami = await access('WhoAmI', {}, state.tokens.nurse);
    check(whoami.principal === state.nurse, `WhoAmI with the nurse's token says ${whoami.principal}`);
    check(whoami.roles.some((r) => r.role === 'ROLE_PRACTITIONER' && r.site_id === site),
      `WhoAmI roles of the nurse: ${JSON.stringify(whoami.roles)}`);
    return `${state.nurse} (practitioner@${site}), ${state.manager} (site manager@${site}), ` +
      `${state.stock} (inventory clerk, chain-wide)`;
  });

  await step('bad-call', async () => {
    const error = await rpc.expectError(records('CreateClient', {
      client: { home_site_id: site, family_name: 'Nameless',
        date_of_birth: { year: 1990, month: 1, day: 2 } },
      request_id: newRequestId('bad-client'),
    }, state.tokens.manager), grpc.status.INVALID_ARGUMENT, 'CreateClient without given_name');
    const details = decodeDetails(error);
    check(details.violations.some((v) => v.field === 'client.given_name'),
      `INVALID_ARGUMENT did not name client.given_name: ${describeError(error)}`);
    check(error.details.includes('given_name'), `message does not name the field: ${error.details}`);
    const denied = await rpc.expectError(inventory('RecallLot', {
      name: 'products/00000000000000000000000000/lots/00000000000000000000000000',
      reason: 'a practitioner may not recall', request_id: newRequestId('bad-recall'),
    }, state.tokens.nurse), grpc.status.PERMISSION_DENIED, 'RecallLot by a practitioner');
    // She holds the recall permission nowhere, so the reason is not the
    // hint a site-bound holder gets (CHAIN_WIDE_PERMISSION_MISSING).
    check(decodeDetails(denied).reason === 'PERMISSION_MISSING',
      `RecallLot by a practitioner: reason ${decodeDetails(denied).reason}`);
    return `CreateClient without given_name: INVALID_ARGUMENT naming client.given_name; ` +
      `RecallLot by the nurse: PERMISSION_DENIED (${decodeDetails(denied).reason || 'no reason'})`;
  });

  await step('client', async () => {
    const created = await records('CreateClient', {
      client: {
        home_site_id: site,
        given_name: 'Ada',
        family_name: `Node-${suffix}`,
        date_of_birth: { year: 1985 + (parseInt(suffix.slice(0, 2), 16) % 15), month: 3, day: 14 },
        email: `node-${suffix}@example.com`,
      },
      request_id: newRequestId('client'),
    }, state.tokens.manager);
    state.client = created.client.name;
    check(/^clients\/[0-9A-Z]{26}$/.test(state.client), `client name ${state.client}`);
    // Facts asked and absent. Only facts the rules test with `present` are
    // recorded: one tested over a time window and recorded absent without
    // an end date reads as unknown, and would send the screening to review.
    const history = await records('UpdateMedicalHistory', {
      medical_history: {
        name: `${state.client}/medicalHistory`,
        etag: '',
        facts: [
          { fact: 'KELOID_SCARRING_TENDENCY', present: false },
          { fact: 'BLEEDING_DISORDER', present: false },
          { fact: 'PREGNANT', present: false },
          { fact: 'ANTICOAGULANT', present: false },
        ],
        notes: 'Asked at intake; nothing of note.',
      },
      request_id: newRequestId('history'),
    }, state.tokens.nurse);
    check(history.version === '1', `medical history version ${history.version}, expected 1`);
    const consent = await records('RecordConsent', {
      parent: state.client,
      consent: {
        treatment_type_id: typeId,
        form_version: '2026-01',
        sign_time: nowTimestamp(),
        site_id: site,
        witness: 'Reception',
      },
      request_id: newRequestId('consent'),
    }, state.tokens.nurse);
    check(consent.state === 'CONSENT_STATE_ACTIVE', `consent state ${consent.state}`);
    return `${state.client}, medical history v${history.version} (${history.facts.length} facts), ` +
      `consent ${consent.name}`;
  });

  await step('screening', async () => {
    const questionnaire = await screening('GetQuestionnaire', { name: `${typeName}/questionnaire` },
      state.tokens.nurse);
    const submitted = await screening('SubmitScreening', {
      parent: state.client,
      screening: {
        treatment_type: questionnaire.treatment_type,
        definition_version: questionnaire.definition_version,
        site_id: site,
        planned_area_ids: [state.area.id],
        answers: questionnaire.questions.map(plainAnswer).filter(Boolean),
      },
      request_id: newRequestId('screening'),
    }, state.tokens.nurse);
    check(submitted.state === 'SCREENING_STATE_CLEARED',
      `screening ${submitted.name} is ${submitted.state} (${submitted.outcome}); findings: ` +
      submitted.findings.map((f) => `${f.rule_id} ${f.certainty}`).join(', '));
    state.screening = submitted.name;
    const eligibility = await screening('CheckEligibility', {
      client: state.client, treatment_type: typeName, site_id: site, area_ids: [state.area.id],
    }, state.tokens.nurse);
    check(eligibility.eligible === true,
      `not eligible: ${eligibility.reasons.map((r) => r.message).join('; ')}`);
    check(eligibility.screening === submitted.name,
      `eligibility rests on ${eligibility.screening}, not ${submitted.name}`);
    return `${submitted.answers.length} of ${questionnaire.questions.length} questions answered, ` +
      `${submitted.name} cleared, ` +
      `eligible for ${state.area.id} until ` +
      new Date(Number(eligibility.valid_until.seconds) * 1000).toISOString();
  });

  await step('inventory', async () => {
    const wanted = [{ requirement: state.cartridge, cartridge: true },
      ...state.consumables.map((c) => ({ requirement: c, cartridge: false }))];
    state.stocked = [];
    const expiry = { year: utcDate().year + 1, month: 6, day: 30 };
    for (const { requirement, cartridge } of wanted) {
      const product = productFor(typeId, requirement, cartridge);
      const existing = await listAll((page_token) => inventory('ListProducts',
        { kind: product.kind, page_size: 100, page_token }, state.tokens.stock), 'products');
      let stockedProduct = existing.find((p) => sameFit(p, product));
      let reused = true;
      if (!stockedProduct) {
        reused = false;
        stockedProduct = await inventory('CreateProduct',
          { product, request_id: newRequestId('product') }, state.tokens.stock);
      }
      const perSession = requirement.quantity_per_session || 1;
      const lotNumber = `NODE-${suffix}-${requirement.id}`.slice(0, 64);
      const movement = await inventory('ReceiveStock', {
        site_id: site,
        product: stockedProduct.name,
        lot_number: lotNumber,
        expiry_date: expiry,
        quantity: String(perSession * 3),
        supplier: 'Clinic Core test supplies',
        delivery_note: runId,
        request_id: newRequestId('receive'),
      }, state.tokens.stock);
      check(movement.type === 'MOVEMENT_TYPE_RECEIVE', `ReceiveStock made a ${movement.type}`);
      check(movement.balance_after.usable === String(perSession * 3),
        `lot ${movement.lot} has ${movement.balance_after.usable} usable after receipt`);
      state.stocked.push({ requirement, product: stockedProduct.name, lot: movement.lot, lotNumber,
        perSession, reused });
    }
    return state.stocked.map((s) => `${s.requirement.id}: ${s.reused ? 'reused' : 'new'} ${s.product}, ` +
      `lot ${s.lotNumber} x${s.perSession * 3} expiring ${dateText(expiry)}`).join('; ');
  });

  await step('price', async () => {
    const inForce = await listAll((page_token) => billing('ListPrices',
      { site_id: site, page_size: 100, page_token }, state.tokens.manager), 'prices');
    const treatmentPrices = inForce.filter((p) => p.item && p.item.treatment &&
      p.item.treatment.treatment_type_id === typeId && !p.withdrawn);
    const fits = treatmentPrices.find((p) => p.item.treatment.area_id === '' ||
      p.item.treatment.area_id === state.area.id);
    if (fits) {
      return `reusing ${fits.name} (${fits.display_name}, ${money(fits.unit_price)})`;
    }
    // No RPC tells a caller a site's currency or time zone. An invoice
    // carries the currency; the client's draft opened here is the one the
    // charge is added to anyway.
    const draft = await billing('CreateInvoice', {
      invoice: { site_id: site, client: state.client, notes: `Opened by ${runId}` },
      request_id: newRequestId('draft'),
    }, state.tokens.manager);
    const currency = draft.currency_code;
    // A price starts today or later at the site, in a zone the API does not
    // name: the earliest of the days around UTC's today the server accepts
    // is the site's today.
    let lastError;
    for (const offset of [-1, 0, 1]) {
      const from = utcDate(offset);
      try {
        const price = await billing('SetPrice', {
          price: {
            site_id: site,
            item: { treatment: { treatment_type_id: typeId, area_id: '' } },
            display_name: `${state.definition.display_name} - session`.slice(0, 200),
            unit_price: { amount_minor: '18000', currency_code: currency },
            tax_category: 'TAX_CATEGORY_COSMETIC_TREATMENT',
            effective_from: from,
          },
          request_id: newRequestId('price'),
        }, state.tokens.manager);
        return `set ${price.name}: ${money(price.unit_price)} a session from ${dateText(from)}`;
      } catch (error) {
        const named = error.code === grpc.status.INVALID_ARGUMENT &&
          decodeDetails(error).violations.some((v) => v.field.endsWith('effective_from'));
        if (!named) throw error;
        lastError = error;
      }
    }
    throw lastError;
  });

  await step('treatment', async () => {
    const area = state.area;
    const depth = Math.min(area.max_depth_um,
      Math.max(area.min_depth_um, Math.round((area.min_depth_um + area.max_depth_um) / 100) * 50));
    state.treatmentRequestId = `${runId}-treatment`;
    state.treatmentRequest = {
      parent: state.client,
      treatment_record: {
        treatment_type_id: typeId,
        site_id: site,
        practitioner: state.nurse,
        perform_time: nowTimestamp(),
        areas: [{ area_id: area.id, needle_depth_um: depth, passes: area.min_passes }],
        device: DEVICE,
        consumables: state.stocked.map((s) => ({ requirement_id: s.requirement.id, lot: s.lot })),
        notes: `Charted by the Node scenario ${runId}.`,
      },
      request_id: state.treatmentRequestId,
    };
    const record = await records('CreateTreatmentRecord', state.treatmentRequest, state.tokens.nurse);
    state.record = record;
    check(/^clients\/[^/]+\/treatmentRecords\/[^/]+$/.test(record.name),
      `record name ${record.name}`);
    check(record.screening === state.screening,
      `record cleared by screening ${record.screening || '(none)'}, expected ${state.screening}`);
    check(record.definition_version === state.definition.version,
      `record definition ${record.definition_version}, loaded ${state.definition.version}`);
    check(record.recorded_by === state.nurse, `recorded_by ${record.recorded_by}`);
    for (const s of state.stocked) {
      const used = record.consumables.filter((c) => c.requirement_id === s.requirement.id);
      check(used.length === 1 && used[0].lot === s.lot && used[0].lot_number === s.lotNumber &&
        used[0].quantity === s.perSession,
      `consumables for ${s.requirement.id}: ${JSON.stringify(used)}; expected ${s.perSession} of ${s.lot}`);
    }
    check(record.consumables.length === state.stocked.length,
      `${record.consumables.length} consumables on the record, ${state.stocked.length} asked for`);
    check(record.charge && ['CHARGE_DELIVERY_STATE_PENDING', 'CHARGE_DELIVERY_STATE_CHARGED']
      .includes(record.charge.state), `charge ${JSON.stringify(record.charge)}`);
    return `${record.name} (${area.id} at ${depth} um, ${area.min_passes} passes), lots ` +
      `${record.consumables.map((c) => `${c.lot_number} x${c.quantity}`).join(', ')}, ` +
      `screening ${record.screening}, charge ${record.charge.state}`;
  });

  await step('charge', async () => {
    const started = Date.now();
    let record = state.record;
    while (record.charge.state !== 'CHARGE_DELIVERY_STATE_CHARGED') {
      check(Date.now() - started < CHARGE_TIMEOUT_MS,
        `charge not delivered after ${CHARGE_TIMEOUT_MS} ms: ${JSON.stringify(record.charge)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      record = await records('GetTreatmentRecord', { name: state.record.name }, state.tokens.nurse);
    }
    check(/^sites\/[^/]+\/treatmentCharges\/.+/.test(record.charge.treatment_charge),
      `charged, but charge is ${JSON.stringify(record.charge)}`);
    state.charge = record.charge.treatment_charge;
    return `${record.charge.treatment_charge} after ${record.charge.attempts} attempt(s), ` +
      `${Date.now() - started} ms`;
  });

  await step('invoice', async () => {
    const invoices = await listAll((page_token) => billing('ListInvoices',
      { site_id: site, client: state.client, page_size: 100, page_token }, state.tokens.manager), 'invoices');
    const holding = invoices.filter((i) => i.lines.some((l) => l.treatment_record === state.record.name));
    check(holding.length === 1, `${holding.length} invoices hold ${state.record.name}`);
    let invoice = holding[0];
    state.chargeLines = invoice.lines.filter((l) => l.treatment_record === state.record.name).length;
    if (invoice.state === 'INVOICE_STATE_DRAFT') {
      invoice = await billing('IssueInvoice', { name: invoice.name, etag: invoice.etag,
        request_id: newRequestId('issue') }, state.tokens.manager);
    }
    check(invoice.state === 'INVOICE_STATE_ISSUED', `invoice ${invoice.name} is ${invoice.state}`);
    const due = invoice.balance_due;
    check(Number(due.amount_minor) > 0, `nothing due on ${invoice.name}: ${money(due)}`);
    const payment = await billing('RecordPayment', {
      invoice: invoice.name,
      amount: { amount_minor: due.amount_minor, currency_code: due.currency_code },
      method: 'PAYMENT_METHOD_CARD',
      reference: runId,
      request_id: newRequestId('payment'),
    }, state.tokens.manager);
    const paid = await billing('GetInvoice', { name: invoice.name }, state.tokens.manager);
    check(paid.state === 'INVOICE_STATE_PAID', `after paying, ${paid.name} is ${paid.state}`);
    check(paid.balance_due.amount_minor === '0', `after paying, ${money(paid.balance_due)} due`);
    const statement = await billing('GetClientStatement', { client: state.client }, state.tokens.manager);
    check(statement.closing_balances.every((b) => b.amount_minor === '0'),
      `client still owes ${statement.closing_balances.map(money).join(', ')}`);
    state.invoice = paid.name;
    return `${paid.number} (${paid.name}) issued for ${money(paid.total)}, paid by ${payment.name}, ` +
      'nothing due';
  });

  const stockOf = async (s) => {
    const levels = await listAll((page_token) => inventory('ListStock', { site_id: site, product: s.product,
      include_empty: true, page_size: 500, page_token }, state.tokens.stock), 'levels');
    const level = levels.find((l) => l.lot === s.lot);
    check(level, `no stock level for ${s.lot} at ${site}`);
    const b = level.balance;
    return { usable: Number(b.usable),
      onHand: Number(b.usable) + Number(b.quarantined) + Number(b.recalled) };
  };

  await step('recall', async () => {
    const cartridge = state.stocked[0];
    const before = await stockOf(cartridge);
    check(before.usable === cartridge.perSession * 2,
      `${before.usable} usable of ${cartridge.lotNumber} after the treatment, ` +
      `expected ${cartridge.perSession * 2}`);
    const recall = await inventory('RecallLot', {
      name: cartridge.lot,
      reason: `Node scenario ${runId}: sterility not assured`,
      request_id: newRequestId('recall'),
    }, state.tokens.stock);
    check(recall.lot.recall_state === 'RECALL_STATE_RECALLED', `lot is ${recall.lot.recall_state}`);
    check(Number(recall.consumed) === cartridge.perSession, `recall counts ${recall.consumed} consumed`);
    const uses = await listAll((page_token) => inventory('TraceLot',
      { name: cartridge.lot, page_size: 1000, page_token }, state.tokens.nurse), 'uses');
    const ours = uses.filter((u) => u.client === state.client);
    check(ours.length === 1 && ours[0].site_id === site && Number(ours[0].quantity) === cartridge.perSession,
      `trace of ${cartridge.lot}: ${JSON.stringify(uses)}`);
    const clientUses = await listAll((page_token) => inventory('ListClientConsumptions',
      { client: state.client, page_size: 100, page_token }, state.tokens.nurse), 'uses');
    for (const s of state.stocked) {
      check(clientUses.some((u) => u.lot === s.lot), `ListClientConsumptions does not list ${s.lot}`);
    }
    state.onHandAfterRecall = await Promise.all(state.stocked.map(stockOf));
    const where = recall.sites.map((x) => `${x.quantity} at ${x.site_id}`).join(', ');
    return `${cartridge.lotNumber} recalled (${where}, ` +
      `${recall.consumed} consumed); trace names ${state.client} (${ours[0].treatment_reference}); ` +
      `client's lots: ${clientUses.map((u) => u.lot_number).join(', ')}`;
  });

  await step('recall-notice', async () => {
    // The recall reaches the chart by itself: Inventory delivers a notice to
    // ClientRecords for every use of the lot, after the recall's answer.
    const cartridge = state.stocked[0];
    const started = Date.now();
    let notices = [];
    for (;;) {
      notices = (await listAll((page_token) => records('ListLotRecallNotices',
        { parent: state.client, page_size: 100, page_token }, state.tokens.nurse), 'notices'))
        .filter((n) => n.lot === cartridge.lot);
      if (notices.length > 0) break;
      check(Date.now() - started < CHARGE_TIMEOUT_MS,
        `no recall notice on ${state.client} after ${CHARGE_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    check(notices.length === 1, `${notices.length} notices for ${cartridge.lot}`);
    const notice = notices[0];
    check(notice.treatment_record === state.record.name,
      `the notice names ${notice.treatment_record}, not ${state.record.name}`);
    check(notice.lot_number === cartridge.lotNumber, `notice lot number ${notice.lot_number}`);
    const record = await records('GetTreatmentRecord', { name: state.record.name },
      state.tokens.nurse);
    check(record.lot_recalls.length === 1 && record.lot_recalls[0].lot === cartridge.lot,
      `the record shows ${JSON.stringify(record.lot_recalls)}`);
    return `${notice.name} on the chart after ${Date.now() - started} ms, recalled by ` +
      `${notice.recalled_by}: ${notice.reason}`;
  });

  await step('audit', async () => {
    const counts = [];
    for (const address of args.audit) {
      const request = { request_id: state.treatmentRequestId, page_size: 500 };
      // The reads get ids of their own: read under the treatment's id, they
      // would join the events they list.
      const events = await listAll((page_token) => rpc.call(address, 'Audit', 'ListAuditEvents',
        { ...request, page_token }, adminToken, newRequestId('audit-read')), 'events');
      check(events.every((e) => e.request_id === state.treatmentRequestId),
        `the trail at ${address} answered events of other requests`);
      // The nurse's own call names her; every call a service made for it
      // names the service and, as the person acted for, her.
      for (const e of events) {
        const own = e.method === '/clinic.v1.ClientRecords/CreateTreatmentRecord';
        check(own ? e.principal === state.nurse && !e.on_behalf_of
          : e.principal.startsWith('service/') && e.on_behalf_of === state.nurse,
        `${e.method} at ${address} was by ${e.principal} for '${e.on_behalf_of}'`);
      }
      const methods = [...new Set(events.map((e) => e.method.replace(/^\/clinic\.v1\./, '')))];
      counts.push({ address, count: events.length, methods });
    }
    // Each service passes the caller's request id on, so whichever trail
    // holds a service's events must show its part of the treatment.
    const expected = [[args.records, 'ClientRecords/CreateTreatmentRecord'],
      [args.screening, 'Screening/CheckEligibility'],
      [args.inventory, 'Inventory/ConsumeTreatmentStock'],
      [args.billing, 'Billing/ChargeTreatment']];
    for (const [address, method] of expected) {
      const trail = counts.find((c) => c.address === address);
      if (!trail) continue;
      check(trail.methods.includes(method), `the trail at ${address} has no ${method} event with ` +
        `request id ${state.treatmentRequestId} (${JSON.stringify(trail)})`);
    }
    return `request id ${state.treatmentRequestId}: ` + counts.map((c) =>
      `${c.address} ${c.count} events [${c.methods.join(', ')}]`).join('; ');
  });

  await step('retry', async () => {
    const again = await records('CreateTreatmentRecord', state.treatmentRequest, state.tokens.nurse);
    check(again.name === state.record.name, `the retry answered ${again.name}, first ${state.record.name}`);
    check(JSON.stringify(again.consumables) === JSON.stringify(state.record.consumables),
      'the retry answered other consumables');
    const after = await Promise.all(state.stocked.map(stockOf));
    for (let i = 0; i < after.length; ++i) {
      check(after[i].onHand === state.onHandAfterRecall[i].onHand,
        `${state.stocked[i].lotNumber}: ${state.onHandAfterRecall[i].onHand} on hand before the retry, ` +
        `${after[i].onHand} after`);
    }
    const consumed = await listAll((page_token) => inventory('ListMovements', { site_id: site,
      lot: state.stocked[0].lot, type: 'MOVEMENT_TYPE_CONSUME', page_size: 100, page_token },
    state.tokens.stock), 'movements');
    check(consumed.length === 1, `${consumed.length} consumptions of ${state.stocked[0].lotNumber}`);
    const charted = await listAll((page_token) => records('ListTreatmentRecords',
      { parent: state.client, page_size: 100, page_token }, state.tokens.nurse), 'treatment_records');
    check(charted.length === 1, `${charted.length} treatment records for ${state.client}`);
    const invoice = await billing('GetInvoice', { name: state.invoice }, state.tokens.manager);
    const lines = invoice.lines.filter((l) => l.treatment_record === state.record.name).length;
    check(lines === state.chargeLines,
      `${lines} invoice lines charge the record, ${state.chargeLines} before`);
    return `same record ${again.name}; on hand unchanged (${after.map((a, i) =>
      `${state.stocked[i].lotNumber} ${a.onHand}`).join(', ')}); one consumption, one record, charged once`;
  });

  await step('cleanup', async () => {
    for (const name of state.tokenNames) {
      await access('RevokeToken', { name }, adminToken);
    }
    return `revoked ${state.tokenNames.length} tokens issued for this run`;
  });

  rpc.close();
}

main().catch((error) => {
  process.stderr.write(`FAILED: ${describeError(error)}\n`);
  process.exit(1);
});
