"""The training step as a TensorFlow/Keras user writes it (custom loop); shared by every workload."""

import keras
import tensorflow as tf

loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def make_optimizer(learning_rate: float) -> keras.optimizers.Optimizer:
    return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)


def compute_loss(model, x, y):
    return loss_fn(y, model(x, training=True))


def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = compute_loss(model, x, y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def predict(model, x):
    return model(x, training=False)
