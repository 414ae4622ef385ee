const express = require('express');
const { celebrate, Joi, Segments } = require('celebrate');
const { body, validationResult } = require('express-validator');
const { z } = require('zod');
const db = require('../db');
const knex = require('../knex');
const { User, Post, Comment } = require('../models');

const router = express.Router();

router.post('/users', async (req, res) => {
  // ruleid: BL403
  const user = await User.create(req.body);
  res.status(201).json(user);
});

router.put('/posts/:id', async (req, res) => {
  // ruleid: BL403
  const post = await Post.findByIdAndUpdate(req.params.id, req.body, { new: true });
  res.json(post);
});

router.post('/posts', async (req, res) => {
  // ruleid: BL403
  const post = new Post({ ...req.body, author: req.user.id });
  await post.save();
  res.status(201).json(post);
});

router.patch('/users/:id', async (req, res) => {
  const user = await User.findById(req.params.id);
  // ruleid: BL403
  Object.assign(user, req.body);
  await user.save();
  res.json(user);
});

router.post('/comments', async (req, res) => {
  const data = req.body;
  // ruleid: BL403
  const [id] = await knex('comments').insert(data).returning('id');
  res.status(201).json({ id });
});

// A controller registered elsewhere.
exports.createProfile = async (req, res) => {
  // ruleid: BL403
  const profile = await prisma.profile.create({ data: req.body });
  res.status(201).json(profile);
};

exports.addTag = (req, res, next) => {
  // ruleid: BL403
  db.query('INSERT INTO tags SET ?', req.body, (err, result) => {
    if (err) return next(err);
    res.status(201).json({ id: result.insertId });
  });
};

// --- left alone -------------------------------------------------------------

const userSchema = Joi.object({ name: Joi.string().max(100).required(), email: Joi.string().email().required() });

router.post(
  '/v2/users',
  celebrate({ [Segments.BODY]: userSchema }),
  async (req, res) => {
    // ok: BL403
    const user = await User.create(req.body);
    res.status(201).json(user);
  },
);

router.post('/v3/users', body('email').isEmail(), body('name').isLength({ max: 100 }), async (req, res) => {
  const errors = validationResult(req);
  if (!errors.isEmpty()) return res.status(422).json({ errors: errors.array() });
  // ok: BL403
  res.status(201).json(await User.create(req.body));
});

const PostInput = z.object({ title: z.string().max(200), body: z.string() });

router.post('/v2/posts', async (req, res) => {
  const input = PostInput.parse(req.body);
  // ok: BL403
  const post = await Post.create({ ...input, author: req.user.id });
  res.status(201).json(post);
});

router.post('/v4/users', async (req, res) => {
  // ok: BL403
  const user = await User.create({ name: req.body.name, email: req.body.email });
  res.status(201).json(user);
});

router.post('/v5/users', async (req, res) => {
  // ok: BL403
  const user = await User.create(pick(req.body, ['name', 'email']));
  res.status(201).json(user);
});

router.post('/v6/users', async (req, res) => {
  const { error } = userSchema.validate(req.body);
  if (error) return res.status(400).json({ error: error.message });
  // ok: BL403
  res.status(201).json(await User.create(req.body));
});

// validation in another handler does not cover this one
router.put('/v6/users/:id', async (req, res) => {
  // ruleid: BL403
  res.json(await User.findByIdAndUpdate(req.params.id, req.body, { new: true }));
});

router.post('/search', async (req, res) => {
  // ok: BL403
  res.json(await Post.find({ title: new RegExp(escape(req.body.q), 'i') }).limit(20));
});

exports.signup = async (req, res) => {
  const { error, value } = userSchema.validate(req.body, { stripUnknown: true });
  if (error) return res.status(400).json({ error: error.details[0].message });
  // ok: BL403
  res.status(201).json(await User.create(value));
};

module.exports = router;
