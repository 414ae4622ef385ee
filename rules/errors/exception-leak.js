const express = require('express');
const util = require('util');
const logger = require('../lib/logger');
const orders = require('../services/orders');

const app = express();
const router = express.Router();

router.post('/orders', async (req, res) => {
  try {
    const order = await orders.place(req.user.id, req.body);
    res.status(201).json(order);
  } catch (err) {
    // ruleid: BL201
    res.status(500).json({ error: err.message });
  }
});

router.get('/reports/:id', async (req, res) => {
  try {
    res.json(await orders.report(req.params.id));
  } catch (error) {
    logger.error(error);
    // ruleid: BL201
    res.status(500).send(`Report failed: ${error}`);
  }
});

router.delete('/orders/:id', (req, res) => {
  orders
    .cancel(req.params.id)
    .then(() => res.sendStatus(204))
    // ruleid: BL201
    .catch((e) => res.status(500).json({ message: 'cancel failed', details: e }));
});

router.get('/export', async (req, res) => {
  try {
    res.send(await orders.exportCsv());
  } catch (err) {
    // ruleid: BL201
    res.json({ ok: false, error: String(err) });
  }
});

router.get('/legacy', function (req, res) {
  orders.legacy(function (err, rows) {
    if (err) return res.status(500).end();
    res.json(rows);
  }).catch(function (err) {
    // ruleid: BL201
    res.status(502).send(err.sqlMessage);
  });
});

// Error middleware: the stack goes to every client.
app.use((err, req, res, next) => {
  logger.error(err);
  // ruleid: BL201
  res.status(err.status || 500).json({ message: err.message, stack: err.stack });
});

// Koa-style handler.
async function koaErrors(ctx, next) {
  try {
    await next();
  } catch (err) {
    ctx.status = 500;
    // ruleid: BL201
    ctx.body = { error: util.inspect(err) };
  }
}

// --- left alone -------------------------------------------------------------

router.post('/signup', async (req, res) => {
  try {
    res.status(201).json(await orders.signup(req.body));
  } catch (err) {
    if (err.name === 'ValidationError') {
      // ok: BL201
      return res.status(400).json({ error: err.message });
    }
    logger.error({ err }, 'signup failed');
    // ok: BL201
    res.status(500).json({ error: 'Could not create the account' });
  }
});

router.get('/status', async (req, res) => {
  try {
    res.json(await orders.status());
  } catch (err) {
    // ok: BL201
    res.status(503).json({ error: 'unavailable', code: err.code });
  }
});

router.put('/orders/:id', async (req, res, next) => {
  try {
    res.json(await orders.update(req.params.id, req.body));
  } catch (err) {
    // ok: BL201
    next(err);
  }
});

app.use(function errorHandler(err, req, res, next) {
  logger.error(err);
  const status = err.status || 500;
  // ok: BL201
  res.status(status).json({ message: err.expose ? err.message : 'Internal Server Error' });
});

app.use((err, req, res, next) => {
  if (process.env.NODE_ENV !== 'production') {
    // ok: BL201
    return res.status(500).json({ message: err.message, stack: err.stack });
  }
  // ok: BL201
  res.status(500).json({ message: 'Internal Server Error' });
});

async function koaNotFound(ctx, next) {
  try {
    await next();
  } catch (err) {
    ctx.status = 404;
    // ok: BL201
    ctx.body = { error: err.message };
  }
}

function report(err) {
  // ok: BL201
  logger.warn(`report failed: ${err.message}`);
}

router.get('/unprocessable', async (req, res) => {
  try {
    res.json(await orders.check(req.query));
  } catch (err) {
    // ok: BL201
    res.status(422).send({ error: err.message });
  }
});

app.get('/config', (req, res) => {
  let config;
  try {
    config = new Config();
  } catch (e) {
    // ok: BL201
    res.status(e.code).send(e.message);
    return;
  }
  res.send(config.config);
});

function httpErrors(err, req, res, next) {
  if (err.statusCode) {
    // ok: BL201
    return res.status(err.statusCode).json({ error: err.message });
  }
  logger.error(err);
  // ruleid: BL201
  res.status(500).json(err.message);
}

function prodFirst(err, req, res, next) {
  if (req.app.get('env') !== 'development') return res.status(500).json({ message: 'Internal Server Error' });
  // ok: BL201
  res.status(500).json({ message: err.message, stack: err.stack });
}

module.exports = { app, router, koaErrors, koaNotFound, report, prodFirst, httpErrors };
