# The broadcaster image for compose.yaml: one executable, `broadcaster api` or `broadcaster worker`.
#
#   docker build -t broadcaster:local .            # compose does this itself
#
# librdkafka: the image builds 2.14.2 with scripts/build-librdkafka, as a developer machine does,
# rather than installing Debian's librdkafka-dev. Apache Kafka would accept bookworm's 2.0.2, but
# Package.swift finds librdkafka through pkg-config in .local/librdkafka and links it with an
# rpath to that directory, and the services refuse to start below 2.14.2 (Tansu needs 2.8; a broker
# restart crashes releases before 2.10, and 2.14.2 itself without scripts/librdkafka-patches),
# so one build everywhere is simpler than two. The runtime stage copies the library to the same
# absolute path, where the rpath finds it.
#
# Swift 6.3: the resolved dependencies (swift-configuration, Hummingbird, swift-log, ...) need
# tools 6.2 or newer; the repository is developed with 6.3.1.
ARG SWIFT_VERSION=6.3

FROM swift:${SWIFT_VERSION}-bookworm AS build
WORKDIR /src
# System packages and librdkafka first: they change rarely, so this layer stays cached.
COPY scripts/env scripts/install-deps scripts/build-librdkafka scripts/
COPY scripts/librdkafka-patches scripts/librdkafka-patches/
RUN scripts/install-deps && scripts/build-librdkafka
COPY . .
RUN . scripts/env \
    && swift build -c release --product broadcaster \
    && install -D "$(swift build -c release --show-bin-path)/broadcaster" /out/broadcaster

FROM swift:${SWIFT_VERSION}-bookworm-slim
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libsecp256k1-1 libsqlite3-0 libssl3 zlib1g libzstd1 liblz4-1 libsasl2-2 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/.local/librdkafka/lib/librdkafka.so.1 /src/.local/librdkafka/lib/
COPY --from=build /out/broadcaster /usr/local/bin/broadcaster
RUN useradd --system --uid 10001 --home-dir /app broadcaster \
    && mkdir -p /app /data && chown broadcaster /data
WORKDIR /app
# The configuration, including the public dev key (Config/dev-keys): for the local chain only.
# Anywhere real, mount keys as files or pass them in the environment (see Config/).
COPY Config Config
USER broadcaster
ENV BROADCASTER_STORE_PATH=/data/broadcaster.sqlite \
    BROADCASTER_API_HOST=0.0.0.0
ENTRYPOINT ["broadcaster"]
CMD ["api", "--config", "Config/broadcaster.json"]
