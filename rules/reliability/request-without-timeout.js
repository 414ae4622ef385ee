const axios = require('axios');
const got = require('got');
const superagent = require('superagent');

const PAYMENTS_URL = process.env.PAYMENTS_URL;

// A server that writes a script for the browser into a page: the file itself is server code, even
// though it mentions window.dataLayer here and in the string below.
const analyticsSnippet = (id) => `<script>window.dataLayer = window.dataLayer || []; gtag('config', '${id}');</script>`;

async function exchangeRates() {
  // ruleid: BL502
  const { data } = await axios.get('https://api.exchangerate.host/latest');
  return data.rates;
}

async function charge(order) {
  // ruleid: BL502
  return axios.post(`${PAYMENTS_URL}/charges`, { amount: order.total, currency: 'EUR' }, { headers: { 'Idempotency-Key': order.id } });
}

// ruleid: BL502
const github = axios.create({ baseURL: 'https://api.github.com', headers: { Accept: 'application/vnd.github+json' } });

async function geocode(address) {
  // ruleid: BL502
  const res = await fetch(`https://nominatim.openstreetmap.org/search?format=json&q=${encodeURIComponent(address)}`);
  return res.json();
}

async function notifySlack(text) {
  // ruleid: BL502
  await fetch(process.env.SLACK_WEBHOOK_URL, { method: 'POST', body: JSON.stringify({ text }) });
}

async function weather(city) {
  // ruleid: BL502
  return got(`https://wttr.in/${city}?format=j1`).json();
}

async function avatar(email) {
  // ruleid: BL502
  const res = await superagent.get(`https://gravatar.com/${email}.json`).set('Accept', 'application/json');
  return res.body;
}

// --- left alone -------------------------------------------------------------

async function exchangeRatesWithTimeout() {
  // ok: BL502
  const { data } = await axios.get('https://api.exchangerate.host/latest', { timeout: 5000 });
  return data.rates;
}

// ok: BL502
const payments = axios.create({ baseURL: PAYMENTS_URL, timeout: 10_000 });

async function refund(id) {
  // ok: BL502
  return payments.post(`/refunds`, { id });
}

async function geocodeWithSignal(address) {
  // ok: BL502
  const res = await fetch(`https://nominatim.openstreetmap.org/search?q=${encodeURIComponent(address)}`, {
    signal: AbortSignal.timeout(3000),
  });
  return res.json();
}

async function call(url, options) {
  // ok: BL502
  return fetch(url, options);
}

async function health() {
  // ok: BL502
  return fetch('http://localhost:9200/_cluster/health');
}

async function weatherWithTimeout(city) {
  // ok: BL502
  return got(`https://wttr.in/${city}`, { timeout: { request: 5000 } }).json();
}

async function avatarWithTimeout(email) {
  // ok: BL502
  const res = await superagent.get(`https://gravatar.com/${email}.json`).timeout({ response: 3000, deadline: 10000 });
  return res.body;
}

module.exports = { exchangeRates, charge, github, geocode, notifySlack, weather, avatar };
