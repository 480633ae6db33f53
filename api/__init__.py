"""Knacka: the door-knocking service of Socialdemokraterna i Göteborgsområdet."""
