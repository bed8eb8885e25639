from airflow import DAG
from airflow.providers.microsoft.azure.transfers.local_to_wasb import LocalFilesystemToWasbOperator

with DAG('example_blob_dag') as dag:
    task = LocalFilesystemToWasbOperator(
        task_id='blob_task',
        file_path='/tmp/daily.csv',
        container_name='lab-practice-container',
        blob_name='reports/daily.csv',
        wasb_conn_id='my_azure_conn'
    )
