package io.hatchway.transport;

import io.netty.handler.ssl.util.SimpleTrustManagerFactory;

import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * Client-certificate trust for the TLS listener: the handshake only requires the client to prove it holds the key
 * of the certificate it presents; whether the chain is trusted is decided at CONNECT against the trust anchors of
 * the registry's applications, which change at run time and may differ per application. Deciding there, rather
 * than failing the handshake, lets the client be told why (CONNACK reason code and string). The certificate
 * request names no CA ({@link #getAcceptedIssuers()} is empty), so the server never lists every application's CA.
 */
final class DeferredClientTrust extends SimpleTrustManagerFactory {

    private static final X509TrustManager TRUST = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("empty client certificate chain");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("this trust manager only checks clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };

    @Override
    protected void engineInit(KeyStore keyStore) {
    }

    @Override
    protected void engineInit(ManagerFactoryParameters parameters) {
    }

    @Override
    protected TrustManager[] engineGetTrustManagers() {
        return new TrustManager[] {TRUST};
    }

}
