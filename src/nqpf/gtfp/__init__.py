"""nqpf.gtfp"""
