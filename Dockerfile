# Learning-Rate Explorer: one `streamlit run` replica on port 8501.
# Build: docker build -t learning-rate-explorer .
# Several replicas behind nginx with sticky sessions: deploy/README.md.
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The pinned runtime requirements first, so a code change reuses this layer.
COPY requirements.txt .
RUN python -m pip install -r requirements.txt

# The code stays owned by root: the app only reads it.
COPY . .

RUN useradd --create-home --uid 10001 learner
USER learner

EXPOSE 8501

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4).read().strip() != b'ok')"]

CMD ["python", "-m", "streamlit", "run", "streamlit_app.py", \
     "--server.address", "0.0.0.0", "--server.port", "8501", \
     "--server.headless", "true", "--browser.gatherUsageStats", "false"]
