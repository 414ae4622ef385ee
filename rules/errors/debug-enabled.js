const express = require('express');
const errorhandler = require('errorhandler');
const { ApolloServer } = require('apollo-server-express');
const logger = require('./logger');

// ruleid: BL203
process.env.NODE_ENV = process.env.NODE_ENV || 'development';

const app = express();

// ruleid: BL203
app.set('env', 'development');

// ruleid: BL203
app.use(errorhandler());

// ruleid: BL203
const apollo = new ApolloServer({ typeDefs, resolvers, debug: true });

app.use((err, req, res, next) => {
  logger.error(err);
  res.status(err.status || 500).json({
    message: 'Internal Server Error',
    // ruleid: BL203
    stack: err.stack,
  });
});

function legacyErrors(err, req, res, next) {
  // ruleid: BL203
  res.status(500).send(`<pre>${err.stack}</pre>`);
}

// --- left alone -------------------------------------------------------------

if (process.env.NODE_ENV === 'development') {
  // ok: BL203
  app.use(errorhandler({ log: true }));
}

if (app.get('env') === 'development') {
  // ok: BL203
  app.use(errorhandler());
}

// ok: BL203
app.set('env', process.env.NODE_ENV);

// ok: BL203
const gateway = new ApolloServer({ typeDefs, resolvers, debug: process.env.NODE_ENV !== 'production' });

app.use((err, req, res, next) => {
  logger.error({ err }, 'unhandled error');
  res.status(500).json({
    message: 'Internal Server Error',
    // ok: BL203
    stack: process.env.NODE_ENV === 'production' ? undefined : err.stack,
  });
});

app.use(function devErrors(err, req, res, next) {
  if (req.app.get('env') !== 'development') return next(err);
  // ok: BL203
  res.status(500).json({ message: err.message });
});

function logOnly(err, req, res, next) {
  // ok: BL203
  logger.error(err.stack);
  res.sendStatus(500);
}

function prodFirst(err, req, res, next) {
  if (process.env.NODE_ENV === 'production') {
    return res.status(500).json({ message: 'Internal Server Error' });
  }
  // ok: BL203
  res.status(500).json({ message: err.message, stack: err.stack });
}

module.exports = { app, apollo, gateway, legacyErrors, logOnly, prodFirst };
