const express = require('express');
const session = require('express-session');
const cookieParser = require('cookie-parser');
const jwt = require('jsonwebtoken');
const mysql = require('mysql2/promise');
const nodemailer = require('nodemailer');
const mongoose = require('mongoose');
const { Pool } = require('pg');
const { Sequelize } = require('sequelize');

const app = express();

app.use(
  session({
    // ruleid: BL301
    secret: 'keyboard cat',
    resave: false,
    saveUninitialized: false,
  }),
);

// ruleid: BL301
app.use(cookieParser('s3cr3t-c00kie-s1gner'));

function issueToken(user) {
  // ruleid: BL301
  return jwt.sign({ sub: user.id }, 'my jwt signing phrase', { expiresIn: '1h' });
}

function checkToken(token) {
  // ruleid: BL301
  return jwt.verify(token, process.env.JWT_SECRET || 'dev-fallback-9c1f');
}

// ruleid: BL301
const SIGNING_KEY = 'f9a8b7c6d5e4f3a2b1c0';

function refresh(token) {
  const payload = jwt.verify(token, SIGNING_KEY);
  return jwt.sign({ sub: payload.sub }, SIGNING_KEY);
}

function inviteLink(email) {
  // a name that says nothing, but the literal is the signing key
  // ruleid: BL301
  const k = 'Zq81-fT0p-77aa-c1d2';
  return `https://shop.example.com/invite?t=${jwt.sign({ email }, k, { expiresIn: '2d' })}`;
}

const pool = new Pool({
  host: 'db.internal',
  user: 'app',
  // ruleid: BL301
  password: 'Xk29vLq7!',
  database: 'shop',
});

const reporting = mysql.createPool({
  host: 'mysql.internal',
  user: 'reporting',
  // ruleid: BL301
  password: 'r3p0rt1ng-2024',
});

// ruleid: BL301
const sequelize = new Sequelize('shop', 'app', 'Pa55w0rd-prod', { host: 'db.internal', dialect: 'postgres' });

// ruleid: BL301
mongoose.connect('mongodb://shop:Zq3u8Rk1WvT0@mongo-1.internal:27017/shop');

const mailer = nodemailer.createTransport({
  host: 'smtp.mailgun.org',
  // ruleid: BL301
  auth: { user: 'postmaster@mg.example.net', pass: 'a1b2c3d4e5f6-mailgun' },
});

const config = {
  github: {
    // ruleid: BL301
    token: 'ghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3s12',
  },
  // ruleid: BL301
  stripeApiKey: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
};

// ruleid: BL301
const ADMIN_PASSWORD = 'Tr0ub4dor&3';

const settings = {
  // ruleid: BL301
  sessionSecret: process.env.SESSION_SECRET || 'local-session-s3cret',
  // ruleid: BL301
  stripeKey: process.env.STRIPE_API_KEY ?? 'rk_test_51Hx9aQ2eZvKYlo2C',
  // ok: BL301
  port: process.env.PORT || 3000,
  // ok: BL301
  tokenTtl: process.env.TOKEN_TTL || '1h',
};

// --- left alone -------------------------------------------------------------

app.use(
  session({
    // ok: BL301
    secret: process.env.SESSION_SECRET,
    resave: false,
  }),
);

function issueFromEnv(user) {
  // ok: BL301
  return jwt.sign({ sub: user.id }, process.env.JWT_SECRET, { algorithm: 'HS256' });
}

const localPool = new Pool({
  host: 'localhost',
  user: 'postgres',
  // ok: BL301
  password: 'postgres',
});

// ok: BL301
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres:postgres@localhost:5432/shop';

const placeholders = {
  // ok: BL301
  apiKey: 'your-api-key-here',
  // ok: BL301
  password: 'changeme',
  // ok: BL301
  clientSecret: '<client-secret>',
  // ok: BL301
  dbPassword: '',
};

const names = {
  // ok: BL301
  refreshToken: 'refreshToken',
  // ok: BL301
  tokenType: 'Bearer',
  // ok: BL301
  passwordResetUrl: '/account/reset',
  // ok: BL301
  PASSWORD_ENV: 'DB_PASSWORD',
  // ok: BL301
  password: 'Password must have at least 8 characters',
  // ok: BL301
  RESET_PASSWORD: 'resetPassword',
};

// Labels of a user interface: a translation table and a colour per kind of graph node.
const labels = {
  // ok: BL301
  password: 'Kennwort',
  // ok: BL301
  new_password: 'Neues-Kennwort',
  // ok: BL301
  apiKey: 'Schlüsselwort',
};
const nodeColours = {
  // ok: BL301
  credential: '#C0A040',
  // ok: BL301
  secret: '#8a2be2',
};

// ok: BL301
const AWS_DOCS_KEY = 'AKIAIOSFODNN7EXAMPLE';

// ok: BL301
const redisUrl = `redis://:${process.env.REDIS_PASSWORD}@cache.internal:6379`;

module.exports = { app, issueToken, checkToken, refresh, pool, reporting, sequelize, mailer, config, ADMIN_PASSWORD };

function signDocument(privateKey, doc) {
  const signer = require('crypto').createSign('RSA-SHA256');
  signer.update(doc);
  // ok: BL301
  return signer.sign(privateKey, 'base64');
}

// A label template's fields: each token names a field path, not a secret.
const labelFields = [
  // ok: BL301
  { token: 'filament.externalId', labelKey: 'filament.fields.externalId' },
  // ok: BL301
  { token: 'spool.firstUsed', labelKey: 'spool.fields.firstUsed' },
];
// A token whose segments carry digits is not a field path.
// ruleid: BL301
const previewToken = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlaGVyZQ';
