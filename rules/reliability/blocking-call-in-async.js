const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const zlib = require('zlib');
const bcrypt = require('bcryptjs');
const { execSync, execFile } = require('child_process');
const express = require('express');

const router = express.Router();

// Read once at start-up: fine.
// ok: BL501
const template = fs.readFileSync(path.join(__dirname, 'invoice.html'), 'utf8');
// ok: BL501
const tlsCert = fs.readFileSync('/etc/ssl/api.pem');

router.get('/reports/:name', (req, res) => {
  // ruleid: BL501
  const csv = fs.readFileSync(path.join('/var/reports', `${req.params.name}.csv`), 'utf8');
  res.type('text/csv').send(csv);
});

router.post('/login', async (req, res) => {
  const user = await users.byEmail(req.body.email);
  // ruleid: BL501
  if (!user || !bcrypt.compareSync(req.body.password, user.passwordHash)) {
    return res.sendStatus(401);
  }
  res.json({ token: await tokens.issue(user) });
});

router.post('/export', async (req, res) => {
  const rows = await orders.all(req.user.id);
  // ruleid: BL501
  const gz = zlib.gzipSync(JSON.stringify(rows));
  res.set('Content-Encoding', 'gzip').send(gz);
});

// A controller registered elsewhere.
exports.version = function version(req, res) {
  // ruleid: BL501
  const sha = execSync('git rev-parse HEAD').toString().trim();
  res.json({ sha });
};

exports.deriveKey = async (req, res) => {
  // ruleid: BL501
  const key = crypto.pbkdf2Sync(req.body.passphrase, req.body.salt, 310000, 32, 'sha256');
  res.json({ key: key.toString('hex') });
};

// Koa middleware.
async function uploads(ctx, next) {
  const dir = path.join('/var/uploads', ctx.state.user.id);
  // ruleid: BL501
  fs.mkdirSync(dir, { recursive: true });
  await next();
}

// --- left alone -------------------------------------------------------------

router.get('/invoices/:id', async (req, res) => {
  // ok: BL501
  const html = await fs.promises.readFile(path.join('/var/invoices', `${req.params.id}.html`), 'utf8');
  res.send(html);
});

router.get('/logs', (req, res, next) => {
  // ok: BL501
  fs.readFile('/var/log/app.log', 'utf8', (err, text) => (err ? next(err) : res.type('text/plain').send(text)));
});

router.get('/sha', (req, res, next) => {
  // ok: BL501
  execFile('git', ['rev-parse', 'HEAD'], (err, out) => (err ? next(err) : res.json({ sha: out.trim() })));
});

router.post('/register', async (req, res) => {
  // ok: BL501
  const hash = await bcrypt.hash(req.body.password, 12);
  res.status(201).json(await users.create(req.body.email, hash));
});

// Routes for end-to-end tests, registered only in development.
if (process.env.NODE_ENV === 'development') {
  router.post('/_e2e/reset', (req, res) => {
    // ok: BL501
    fs.copyFileSync('fixtures/empty.sqlite', 'data/app.sqlite');
    res.send('reset');
  });
}

if (config.isDev) {
  router.get('/_debug/env', (req, res) => {
    // ok: BL501
    res.type('text/plain').send(fs.readFileSync('.env.example', 'utf8'));
  });
}

if (isProduction) {
  router.get('/_ops/heap', (req, res) => {
    // ruleid: BL501
    res.send(fs.readFileSync('/tmp/heap.txt', 'utf8'));
  });
}

function loadConfig(file) {
  // ok: BL501
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

module.exports = { router, uploads, template, tlsCert, loadConfig };

router.get('/media/:name', (req, res) => {
  const file = path.join('/srv/media', path.basename(req.params.name));
  // ok: BL501
  if (!fs.existsSync(file)) {
    return res.status(404).end();
  }
  return res.sendFile(file);
});
