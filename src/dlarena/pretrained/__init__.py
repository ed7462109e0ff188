"""Pretrained models: an inventory of the model zoos installed for each framework."""
