"""carriers"""
