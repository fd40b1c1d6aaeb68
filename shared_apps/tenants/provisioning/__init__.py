"""Provisioning: making an organization, from its registration to an active schema.

Owns register/create/provision/request/retry and the first owner's invitation (services),
the template schema and its snapshot (template), the warm pool of pre-built schemas
(pool), the live progress reports (progress), the provisioning tasks (tasks), and on
Citus where each schema lives (placement), moving one (moves) and the console's queued
move (move_requests). May
import the core, db and runtime; lifecycle builds on it, never the other way round.
Services import the tasks to queue them; a task's body imports the service it runs.
"""
