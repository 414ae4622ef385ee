const express = require('express');
const { Pool } = require('pg');
const mysql = require('mysql2/promise');
const knex = require('knex')({ client: 'pg', connection: process.env.DATABASE_URL });
const Database = require('better-sqlite3');
const { Sequelize, QueryTypes } = require('sequelize');
const { PrismaClient, Prisma } = require('@prisma/client');
const SQL = require('sql-template-strings');

const pool = new Pool();
const prisma = new PrismaClient();
const sequelize = new Sequelize(process.env.DATABASE_URL);
const sqlite = new Database('app.db');
const router = express.Router();

const USERS_TABLE = 'users';

router.get('/users/:id', async (req, res) => {
  // ruleid: BL101
  const { rows } = await pool.query(`SELECT * FROM users WHERE id = ${req.params.id}`);
  res.json(rows[0]);
});

async function findByEmail(email) {
  // ruleid: BL101
  const [rows] = await connection.execute("SELECT id, email FROM users WHERE email = '" + email + "'");
  return rows[0];
}

async function searchProducts(term) {
  const sql = `
    SELECT id, name, price
    FROM products
    WHERE name LIKE '%${term}%'
    ORDER BY name`;
  // ruleid: BL101
  return pool.query(sql);
}

function deleteOrder(orderId, done) {
  // ruleid: BL101
  db.query('DELETE FROM orders WHERE id = ' + orderId, (err, result) => done(err, result));
}

async function ordersByStatus(status) {
  // ruleid: BL101
  return sequelize.query(`SELECT * FROM orders WHERE status = '${status}'`, { type: QueryTypes.SELECT });
}

async function olderThan(age) {
  // ruleid: BL101
  return knex('users').whereRaw(`age > ${age}`);
}

async function rawCount(tenant) {
  // ruleid: BL101
  return prisma.$queryRawUnsafe(`SELECT count(*) FROM invoices WHERE tenant_id = ${tenant}`);
}

function lastLogin(userId) {
  // ruleid: BL101
  return sqlite.prepare(`SELECT last_login FROM sessions WHERE user_id = ${userId}`).get();
}

async function sortedBy(req, table) {
  // ruleid: BL101
  return pool.query(`SELECT * FROM ${table} WHERE org_id = $1 ORDER BY ${req.query.sort}`, [req.user.orgId]);
}

async function mixed(orgId, name) {
  // ruleid: BL101
  return pool.query(`SELECT * FROM teams WHERE org_id = $1 AND name = '${name}'`, [orgId]);
}

// --- left alone -------------------------------------------------------------

async function findUser(id) {
  // ok: BL101
  const { rows } = await pool.query('SELECT * FROM users WHERE id = $1', [id]);
  return rows[0];
}

async function fromTable(table, id) {
  // ok: BL101
  return pool.query(`SELECT * FROM ${table} WHERE id = $1`, [id]);
}

async function byIds(ids) {
  const placeholders = ids.map((_, i) => `$${i + 1}`).join(', ');
  // ok: BL101
  return pool.query(`SELECT * FROM products WHERE id IN (${placeholders})`, ids);
}

async function tagged(email) {
  // ok: BL101
  await prisma.$queryRaw`SELECT * FROM users WHERE email = ${email}`;
  // ok: BL101
  await prisma.$queryRaw(Prisma.sql`SELECT * FROM users WHERE email = ${email}`);
  // ok: BL101
  return pool.query(SQL`SELECT * FROM users WHERE email = ${email}`);
}

async function constantOnly() {
  // ok: BL101
  await pool.query(`SELECT * FROM ${USERS_TABLE} WHERE active = true`);
  // ok: BL101
  return pool.query(`SELECT id, name FROM categories ORDER BY name`);
}

async function withReplacements(status) {
  // ok: BL101
  return sequelize.query('SELECT * FROM orders WHERE status = :status', {
    replacements: { status },
    type: QueryTypes.SELECT,
  });
}

async function knexBound(age) {
  // ok: BL101
  await knex('users').whereRaw('age > ?', [age]);
  // ok: BL101
  return knex.raw('SELECT * FROM users WHERE id = ?', [age]);
}

async function paged(limit, offset) {
  // ok: BL101
  return pool.query(`SELECT * FROM posts ORDER BY id LIMIT ${Number(limit)} OFFSET ${parseInt(offset, 10)}`);
}

function notSql(name) {
  // ok: BL101
  logger.query(`Please select a value from the list, not ${name}`);
  // ok: BL101
  cache.get(`user:${name}`);
  // ok: BL101
  return router.get(`/select/${name}`, (req, res) => res.end());
}

module.exports = router;
