package io.hatchway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

/** Assembles the HTTP pipeline: codec, a bounded aggregator (command bodies), the API. */
public final class HttpChannelInitializer extends ChannelInitializer<Channel> {

    /** Handler names, in pipeline order. */
    static final String FLUSH_CONSOLIDATION = "flushConsolidation";
    static final String CODEC = "http";
    static final String AGGREGATOR = "aggregator";
    static final String API = "api";
    /** Replaces {@link #API} on an event stream. */
    static final String STREAM = "stream";

    private final HttpApiHandler api;
    private final int maxBody;

    /** @param maxBody the largest accepted request body: larger ones get 413 */
    public HttpChannelInitializer(HttpApiHandler api, int maxBody) {
        this.api = api;
        this.maxBody = maxBody;
    }

    @Override
    protected void initChannel(Channel channel) {
        // An event stream adds FLUSH_CONSOLIDATION first and replaces API with STREAM (EventStreamApi);
        // a WebSocket handshake also swaps CODEC and AGGREGATOR for frame codecs.
        channel.pipeline()
                .addLast(CODEC, new HttpServerCodec())
                .addLast(AGGREGATOR, new HttpObjectAggregator(maxBody))
                .addLast(API, api);
    }
}
