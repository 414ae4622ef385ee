const express = require('express');
const asyncHandler = require('express-async-handler');
const db = require('../db');
const knex = require('../knex');
const { Order, OrderLine, Product } = require('../models');
const orderService = require('../services/orderService');

const router = express.Router();

// ruleid: BL401
router.get('/reports/sales', async (req, res) => {
  const { rows } = await db.query(
    'SELECT product_id, SUM(quantity) AS sold FROM order_lines GROUP BY product_id ORDER BY sold DESC LIMIT 20',
  );
  res.json(rows);
});

// ruleid: BL401
router.post('/orders', asyncHandler(async (req, res) => {
  const product = await Product.findById(req.body.productId);
  if (!product || product.stock < req.body.quantity) {
    return res.status(409).json({ error: 'out of stock' });
  }
  const order = await Order.create({ customer: req.user.id, total: product.price * req.body.quantity });
  await OrderLine.create({ order: order.id, product: product.id, quantity: req.body.quantity });
  product.stock -= req.body.quantity;
  await product.save();
  res.status(201).json(order);
}));

router
  .route('/inventory')
  // ruleid: BL401
  .get(function (req, res, next) {
    knex('products')
      .select('id', 'sku', 'stock')
      .where('stock', '<', 5)
      .then((rows) => res.json(rows))
      .catch(next);
  });

// ruleid: BL401
router.delete('/customers/:id', async (req, res) => {
  await prisma.order.deleteMany({ where: { customerId: req.params.id } });
  await prisma.customer.delete({ where: { id: req.params.id } });
  res.sendStatus(204);
});

// ruleid: BL401
router.get('/events', (req, res, next) => {
  req.app.locals.mongo
    .collection('events')
    .find({ type: req.query.type })
    .limit(50)
    .toArray()
    .then((events) => res.json(events), next);
});

// --- left alone -------------------------------------------------------------

// ok: BL401
router.post('/checkout', async (req, res) => {
  const order = await orderService.place(req.user.id, req.body);
  res.status(201).json(order);
});

// ok: BL401
router.get('/orders/:id', async (req, res) => {
  const order = await Order.findById(req.params.id);
  if (!order) return res.sendStatus(404);
  res.json(order);
});

// ok: BL401
router.get('/health', async (req, res) => {
  await db.query('SELECT 1');
  res.json({ status: 'ok' });
});

// ok: BL401
router.get('/products', orderService.listProducts);

// A repository function: data access belongs here.
async function salesByProduct() {
  // ok: BL401
  const { rows } = await db.query('SELECT product_id, SUM(quantity) FROM order_lines GROUP BY product_id');
  return rows;
}

// ok: BL401
router.put('/orders/:id/status', async (req, res) => {
  const order = await Order.findByIdAndUpdate(req.params.id, { status: 'shipped' }, { new: true });
  res.json(order);
});

// Not an HTTP route: a socket.io event handler (its event name is not a path).
// ok: BL401
io.on('connection', (socket) => {
  socket.on('order:cancel', async (id) => {
    await db.query('UPDATE orders SET status = $1 WHERE id = $2', ['cancelled', id]);
  });
});

// Not a route: a cache lookup that happens to have a path-like key.
// ok: BL401
cache.get('/reports/sales', (err, value) => db.query('SELECT 1'));

module.exports = { router, salesByProduct };
