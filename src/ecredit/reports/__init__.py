"""Credit reports (GB/T 26817-2023 types), their verification, and consent-based sharing with banks."""
