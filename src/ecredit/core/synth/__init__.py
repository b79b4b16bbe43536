"""Seeded synthetic data for demos, tests and benchmarks: see CONTRACT.md next to this file.

`generate()` builds a population of e-commerce parties in Hangzhou, Ningbo, Shenzhen, Guangzhou
and Qingdao (plus a few foreign sellers), each with a hidden risk that drives what providers
report about it, and returns every batch those providers send, dated as they would arrive.
"""

from ecredit.core.synth.model import DemoBatch, Population, SynthEnterprise, is_serious_event
from ecredit.core.synth.timeline import generate

__all__ = ["DemoBatch", "Population", "SynthEnterprise", "generate", "is_serious_event"]
