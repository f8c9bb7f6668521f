package io.hatchway;

import org.conscrypt.Conscrypt;
import org.conscrypt.PSKKeyManager;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.net.Socket;

/** TLS-PSK on the client side, through Conscrypt (the JDK has no PSK cipher suites). */
public final class PskClients {

    private PskClients() {
    }

    /** A client context that offers {@code identity} with {@code key}, and no identity hint. */
    @SuppressWarnings("deprecation")
    public static SSLContext context(String identity, byte[] key) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS", Conscrypt.newProvider());
        PSKKeyManager keys = new PSKKeyManager() {
            @Override
            public String chooseServerKeyIdentityHint(Socket socket) {
                return null;
            }

            @Override
            public String chooseServerKeyIdentityHint(SSLEngine engine) {
                return null;
            }

            @Override
            public String chooseClientKeyIdentity(String hint, Socket socket) {
                return identity;
            }

            @Override
            public String chooseClientKeyIdentity(String hint, SSLEngine engine) {
                return identity;
            }

            @Override
            public SecretKey getKey(String hint, String id, Socket socket) {
                return new SecretKeySpec(key, "RAW");
            }

            @Override
            public SecretKey getKey(String hint, String id, SSLEngine engine) {
                return new SecretKeySpec(key, "RAW");
            }
        };
        context.init(new KeyManager[] {keys}, null, null);
        return context;
    }
}
