const express = require('express');
const db = require('../db');
const knex = require('../knex');
const { Order, Product, User, AuditLog } = require('../models');

const router = express.Router();

router.get('/users', async (req, res) => {
  // ruleid: BL402
  const users = await User.find({ active: true }).sort({ name: 1 }).lean();
  res.json(users);
});

router.get('/products', async (req, res) => {
  // ruleid: BL402
  res.json(await Product.findAll({ where: { published: true }, order: [['name', 'ASC']] }));
});

router.get('/orders', async (req, res) => {
  // ruleid: BL402
  const orders = await prisma.order.findMany({ where: { userId: req.user.id }, orderBy: { createdAt: 'desc' } });
  res.status(200).json({ data: orders });
});

router.get('/events', async (req, res) => {
  // ruleid: BL402
  const { rows } = await db.query('SELECT id, kind, created_at FROM events ORDER BY created_at DESC');
  res.json(rows);
});

router.get('/audit', (req, res, next) => {
  // ruleid: BL402
  AuditLog.find()
    .then((entries) => res.json(entries))
    .catch(next);
});

router.get('/inventory', async (req, res) => {
  // ruleid: BL402
  const items = await knex('inventory').select('sku', 'stock').orderBy('sku');
  res.send({ items });
});

// --- left alone -------------------------------------------------------------

router.get('/users/recent', async (req, res) => {
  // ok: BL402
  const users = await User.find().sort({ createdAt: -1 }).limit(20);
  res.json(users);
});

router.get('/products/page', async (req, res) => {
  const limit = Math.min(Number(req.query.limit) || 20, 100);
  const offset = Number(req.query.offset) || 0;
  // ok: BL402
  res.json(await Product.findAll({ limit, offset, order: [['id', 'ASC']] }));
});

router.get('/orders/mine', async (req, res) => {
  const { cursor, take = 50 } = req.query;
  // ok: BL402
  const orders = await prisma.order.findMany({ where: { userId: req.user.id }, cursor: cursor ? { id: cursor } : undefined });
  res.json(orders);
});

router.get('/orders/paged', async (req, res) => {
  // ok: BL402
  const page = await Order.paginate({ status: 'open' }, { page: req.query.p, limit: 25 });
  res.json(page);
});

router.get('/users/:id/orders', async (req, res) => {
  // ok: BL402
  res.json(await Order.find({ user: req.params.id }));
});

router.get('/users/:id', async (req, res) => {
  // ok: BL402
  res.json(await User.findById(req.params.id));
});

router.get('/stats', async (req, res) => {
  // ok: BL402
  const { rows } = await db.query('SELECT status, count(*) AS n FROM orders GROUP BY status');
  // ok: BL402
  const total = await db.query('SELECT count(*) FROM orders');
  res.json({ byStatus: rows, total: total.rows[0].count });
});

router.post('/orders/search', async (req, res) => {
  // ok: BL402
  res.json(await Order.find({ status: req.body.status }));
});

router.get('/events/latest', async (req, res) => {
  // ok: BL402
  const { rows } = await db.query('SELECT id, kind FROM events ORDER BY id DESC LIMIT 50');
  res.json(rows);
});

router.get('/report', async (req, res) => {
  // not sent back: only used to compute a total
  // ok: BL402
  const orders = await Order.find({ status: 'paid' }).select('total');
  await AuditLog.create({ action: 'report', count: orders.length });
  res.json({ revenue: sum(orders) });
});

module.exports = router;
