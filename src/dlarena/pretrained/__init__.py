"""Pretrained models: an inventory of the model zoos installed for each framework. Each framework's zoos
are listed in ``frameworks/<name>/zoo.py``; inventory.py inspects them."""
