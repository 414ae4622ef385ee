const fs = require('fs');
const path = require('path');
const logger = require('./logger');
const mailer = require('./mailer');
const Order = require('./models/order');

async function removeUpload(file) {
  try {
    await fs.promises.unlink(path.join('/var/uploads', file));
  // ruleid: BL202
  } catch (e) {}
}

async function syncAll(accounts) {
  for (const account of accounts) {
    try {
      await account.sync();
    // ruleid: BL202
    } catch (err) {
      continue;
    }
  }
}

async function findOrder(id) {
  try {
    return await Order.findById(id);
  // ruleid: BL202
  } catch {
    return null;
  }
}

async function notify(order) {
  // ruleid: BL202
  mailer.sendReceipt(order).catch(() => {});
  await mailer
    .sendInvoice(order)
    // ruleid: BL202
    .catch(() => null);
}

function loadSettings(db) {
  try {
    db.reload();
  // ruleid: BL202
  } catch (error) {
  } finally {
    db.release();
  }
}

async function totals(orders) {
  try {
    return await orders.aggregateTotals();
  // ruleid: BL202
  } catch (e) { return []; }
}

// A probe followed by more work: the work's failures are swallowed too (no semicolons).
function resetCache(dir) {
  try {
    fs.statSync(dir)
    fs.rmSync(dir, { recursive: true })
    return true
  // ruleid: BL202
  } catch {
    return false
  }
}

async function listJobs(queue) {
  // ruleid: BL202
  return queue.fetchAll().catch(() => []);
}

// --- left alone -------------------------------------------------------------

function machineId() {
  try {
    return fs.readFileSync('/etc/machine-id', 'utf8').trim();
  // ok: BL202
  } catch {
    return null;
  }
}

function currentCommit() {
  try {
    const { execFileSync } = require('child_process');
    // not a git checkout, or git is not installed: no commit to show
    return execFileSync('git', ['rev-parse', 'HEAD']).toString().trim();
  // ok: BL202
  } catch (e) {
    return '';
  }
}

function isoOrNull(date) {
  let iso = null;
  try {
    iso = date.toISOString();
  // ok: BL202
  } catch (e) {}
  return iso;
}

async function hasCommand(name) {
  try {
    await require('command-exists')(name);
    return true;
  // ok: BL202
  } catch (e) {
    return false;
  }
}

function isInternalUrl(value) {
  try {
    const url = new URL(value)
    return url.hostname.endsWith('.internal') || url.port === '8080'
  // ok: BL202
  } catch {
    return false
  }
}

// ok: BL202
const fileExists = async (file) => fs.promises.access(file).then(() => true).catch(() => false);


async function removeTemp(file) {
  try {
    await fs.promises.unlink(file);
  // ok: BL202
  } catch (err) {
    logger.warn({ err, file }, 'could not remove temp file');
  }
}

async function sendWelcome(user) {
  try {
    await mailer.sendWelcome(user);
  // ok: BL202
  } catch (err) {
    throw new Error(`welcome mail for ${user.id} failed`, { cause: err });
  }
}

function parseJson(raw) {
  try {
    return JSON.parse(raw);
  // ok: BL202
  } catch {
    return null;
  }
}

function isValidUrl(value) {
  try {
    new URL(value);
    return true;
  // ok: BL202
  } catch {
    return false;
  }
}

async function cleanup(dir) {
  try {
    await fs.promises.rm(dir, { recursive: true });
  // ok: BL202
  } catch {
    // the directory may already be gone: nothing to clean up
  }
}

function loadOptional() {
  try {
    return require('pino-pretty');
  // ok: BL202
  } catch (e) {
    return undefined;
  }
}

function handler(req, res, next) {
  Order.find()
    .then((orders) => res.json(orders))
    // ok: BL202
    .catch(next);
  mailer
    .ping()
    // ok: BL202
    .catch((err) => logger.error(err));
}

async function upstreamError(response) {
  // ok: BL202
  const body = await response.json().catch(() => ({}));
  return new Error(body.message || `upstream answered ${response.status}`);
}

function readConfig(file, callback) {
  fs.readFile(file, 'utf8', (err, text) => {
    try {
      callback(null, transform(text));
    // ok: BL202
    } catch (e) {
      callback(e);
    }
  });
}

module.exports = { removeUpload, syncAll, findOrder, notify, loadSettings, totals };

function traceIgnored(chatId, msg) {
  try {
    console.log(JSON.stringify({ event: 'ignored', chatId, keys: Object.keys(msg.message || {}) }));
  // ok: BL202
  } catch {}
}
