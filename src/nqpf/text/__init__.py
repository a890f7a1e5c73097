"""nqpf.text"""
