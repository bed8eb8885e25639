from airflow import DAG
from airflow.providers.google.cloud.operators.bigquery import BigQueryInsertJobOperator

with DAG('example_dag') as dag:
    load = BigQueryInsertJobOperator(
        task_id='load_task',
        configuration={...},
        gcp_conn_id='my_gcp_conn'
    )
    report = BigQueryInsertJobOperator(
        task_id='report_task',
        configuration={...},
        gcp_conn_id='my_gcp_conn'
    )
    load >> report
