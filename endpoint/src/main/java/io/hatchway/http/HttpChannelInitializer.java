package io.hatchway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

/** Assembles the HTTP pipeline: codec, a bounded aggregator (command bodies), the API. */
public final class HttpChannelInitializer extends ChannelInitializer<Channel> {

    private final HttpApiHandler api;
    private final int maxBody;

    /** @param maxBody the largest accepted request body: larger ones get 413 */
    public HttpChannelInitializer(HttpApiHandler api, int maxBody) {
        this.api = api;
        this.maxBody = maxBody;
    }

    @Override
    protected void initChannel(Channel channel) {
        channel.pipeline()
                .addLast("http", new HttpServerCodec())
                .addLast("aggregator", new HttpObjectAggregator(maxBody))
                .addLast("api", api);
    }
}
