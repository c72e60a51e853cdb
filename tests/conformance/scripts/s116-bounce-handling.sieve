# Bounces: null Return-Path, MAILER-DAEMON From, Auto-Submitted.
require ["fileinto", "envelope"];
if header :contains "Return-Path" "<>" { fileinto "returnpath-null-raw"; }
if address :is :all "from" "MAILER-DAEMON@mx.example.org" { fileinto "from-daemon"; }
if address :localpart :is "from" "mailer-daemon" { fileinto "from-daemon-casemap"; }
if header :is "Auto-Submitted" "auto-replied" { fileinto "auto-replied"; }
if header :contains "Content-Type" "report-type=delivery-status" { fileinto "dsn"; }
if exists "Sender" { fileinto "has-sender"; }
