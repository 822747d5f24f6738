"""SMS to callers (短信通知与短信回访): see docs/notices.md."""
